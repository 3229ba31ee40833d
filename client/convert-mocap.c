/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mocap-vicon: walk-mocap-vicon/data/<subject>/Gang/<subject>Gang<n>.csv,
 * a Vicon "Trajectories" export (Plug-in-Gait lower-body markers, mm, 200
 * Hz, missing markers as empty cells).
 *
 * For one leg it derives what the sleeve would have measured:
 *  - the hip joint centre from the pelvis markers (Harrington et al. 2007),
 *    the knee (KNE) and the ankle (ANK), optionally shifted medially;
 *  - the walking direction (net pelvis travel) and so the sagittal plane;
 *  - thigh and shank sagittal angles and the knee flexion = thigh - shank
 *    (the truth, and knee_deg with --with-flex);
 *  - the two IMUs, at a point of each segment sensor_offset_m from the knee:
 *    accelerometer = second derivative of that point minus gravity, in the
 *    segment frame; gyroscope z = derivative of the sagittal angle, x =
 *    derivative of the frontal angle, y = 0 (two markers cannot see axial
 *    rotation - docs/datasets.md).
 *
 * Marker trajectories are low-passed (zero-phase 4th-order Butterworth,
 * 8 Hz by default) before differentiating.  Gaps up to max_gap_s are
 * filled with a cubic; the conversion keeps the longest stretch in which
 * every needed marker exists and reports what it trimmed (stderr and
 * metadata).  Nothing is invented beyond those documented fills.
 */
#define G_LOG_DOMAIN "kneectl"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client/convert-mocap.h"
#include "client/mocap-model.h"
#include "client/sigproc.h"

#define DEFAULT_LOWPASS_HZ 8.0
#define WALK_SPEED_MM_S 300.0        /* pelvis speed above which gait events count */
#define EVENT_REACH_MM 100.0         /* heel ahead of / toe behind the sacrum */
#define EVENT_HALF_WINDOW_S 0.3

/* ---- geometry over the span ---- */

typedef double vec3[3];
typedef double axes3[3][3];
typedef vec3 marker_set[MK_COUNT];
typedef vec3 vec3_pair[2];
typedef axes3 axes3_pair[2];

struct derived {
    guint n;                      /* frames in the span */
    double *knee, *thigh, *shank; /* degrees */
    double (*acc[2])[3];          /* thigh, shank specific force, m/s^2 */
    double (*gyr[2])[3];          /* rad/s */
    double gyro_z_rms_dev;        /* |gyro z - d(angle)/dt| RMS, deg/s */
    double fwd[3], up[3], right[3];
    GArray *hs, *to;              /* frame offsets in the span (guint) */
};

static void derived_clear(struct derived *d)
{
    g_free(d->knee);
    g_free(d->thigh);
    g_free(d->shank);
    for (int s = 0; s < 2; s++) {
        g_free(d->acc[s]);
        g_free(d->gyr[s]);
    }
    if (d->hs)
        g_array_unref(d->hs);
    if (d->to)
        g_array_unref(d->to);
}

/* Low-passes one marker over the span into out (n x 3, mm); frames
 * outside finite runs stay NAN and runs shorter than min_run are dropped. */
static int lowpass_marker(const struct mocap *m, const struct trajectory *t, double fc,
                          guint min_run, double (*out)[3])
{
    guint n = m->e - m->s, i = 0;
    g_autofree double *buf = g_new(double, n);

    for (guint k = 0; k < n; k++)
        out[k][0] = out[k][1] = out[k][2] = NAN;
    if (!t->xyz)
        return 0;
    while (i < n) {
        guint j;

        if (!present(t, m->s + i)) {
            i++;
            continue;
        }
        for (j = i; j < n && present(t, m->s + j); j++)
            ;
        if (j - i >= min_run) {
            for (int a = 0; a < 3; a++) {
                int r;

                for (guint k = i; k < j; k++)
                    buf[k - i] = xyz_at(t, m->s + k)[a];
                r = kn_lowpass_zero_phase(buf, j - i, fc, m->rate_hz, buf);
                if (r < 0)
                    return r;
                for (guint k = i; k < j; k++)
                    out[k][a] = buf[k - i];
            }
        }
        i = j;
    }
    return 0;
}

/* Second derivative (central) of positions in mm, in m/s^2; the end
 * frames repeat their neighbours. */
static void second_derivative(double (*p)[3], guint n, double rate, double (*out)[3])
{
    for (guint i = 1; i + 1 < n; i++)
        for (int a = 0; a < 3; a++)
            out[i][a] = (p[i + 1][a] - 2 * p[i][a] + p[i - 1][a]) * rate * rate / 1000.0;
    for (int a = 0; a < 3; a++) {
        out[0][a] = out[1][a];
        out[n - 1][a] = out[n - 2][a];
    }
}

static gboolean derive(struct mocap *m, struct derived *d, GError **error)
{
    const struct kn_convert_opts *o = m->opts;
    double fc = o->lowpass_hz > 0 ? o->lowpass_hz : DEFAULT_LOWPASS_HZ;
    guint n = m->e - m->s;
    g_autofree double (*p)[MK_COUNT][3] = g_new(marker_set, n);
    g_autofree double (*buf)[3] = g_new(vec3, n);
    g_autofree double (*sens)[2][3] = g_new(vec3_pair, n);
    g_autofree double (*frames)[2][3][3] = g_new(axes3_pair, n);
    g_autofree double (*acc_lab)[3] = g_new(vec3, n);
    g_autofree double (*mid)[3] = g_new(vec3, n);
    g_autofree double (*sac)[3] = g_new(vec3, n);
    g_autofree double *frontal_thigh = g_new(double, n);
    g_autofree double *frontal_shank = g_new(double, n);
    double travel[3], fwd_pelvis[3] = { 0, 0, 0 }, height = 0, dev2 = 0;
    double shift = o->knee_shift_mm, offset_mm = o->sensor_offset_m * 1000.0;

    if (!(fc < m->rate_hz / 2)) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_USAGE,
                    "%s: --lowpass-hz %g is not below half the frame rate (%g Hz)",
                    o->input, fc, m->rate_hz);
        return FALSE;
    }
    d->n = n;
    /* Filter every marker over the span (the needed ones are complete). */
    for (int k = 0; k < MK_COUNT; k++) {
        gboolean used = k <= MK_RPSI || k == m->kne || k == m->ank || k == m->hee || k == m->toe;

        if (!used) {
            for (guint i = 0; i < n; i++)
                p[i][k][0] = p[i][k][1] = p[i][k][2] = NAN;
            continue;
        }
        if (lowpass_marker(m, &m->mk[k], fc, (guint) (0.5 * m->rate_hz), buf) < 0) {
            g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA, "%s: filter failed", o->input);
            return FALSE;
        }
        for (guint i = 0; i < n; i++)
            memcpy(p[i][k], buf[i], sizeof(buf[i]));
    }

    /* Sacrum: the PSIS midpoint, or the one PSIS that exists. */
    for (guint i = 0; i < n; i++) {
        double *l = p[i][MK_LPSI], *r = p[i][MK_RPSI];
        gboolean hl = isfinite(l[0]), hr = isfinite(r[0]);

        for (int a = 0; a < 3; a++)
            sac[i][a] = hl && hr ? (l[a] + r[a]) / 2 : hl ? l[a] : r[a];
        if (hl != hr)
            m->one_psis++;
    }

    /* The laboratory's vertical is +Z (Vicon); check that the pelvis is
     * above the ankle, and find the walking direction. */
    for (guint i = 0; i < n; i++) {
        for (int a = 0; a < 3; a++)
            mid[i][a] = (p[i][MK_LASI][a] + p[i][MK_RASI][a]) / 2;
        height += (mid[i][2] - p[i][m->ank][2]) / n;
    }
    if (height < 300) {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                    "%s: the pelvis is on average %.0f mm above the ankle along Z: the laboratory's "
                    "vertical is not +Z", o->input, height);
        return FALSE;
    }
    d->up[0] = d->up[1] = 0;
    d->up[2] = 1;
    for (guint i = 0; i < n; i++) {
        struct kn_pelvis pel;

        if (kn_pelvis_from_markers(p[i][MK_LASI], p[i][MK_RASI], sac[i], &pel) == 0) {
            fwd_pelvis[0] += pel.x[0];
            fwd_pelvis[1] += pel.x[1];
        }
    }
    for (int a = 0; a < 3; a++)
        travel[a] = a == 2 ? 0 : mid[n - 1][a] - mid[0][a];
    if (kn_vec_norm(travel) >= 500 && kn_vec_dot(travel, fwd_pelvis) > 0 &&
        kn_vec_dot(travel, fwd_pelvis) >= cos(G_PI / 4) * kn_vec_norm(travel) * kn_vec_norm(fwd_pelvis)) {
        kn_vec_unit(travel, d->fwd);
    } else if (kn_vec_unit(fwd_pelvis, d->fwd) == 0) {
        fprintf(stderr, "%s: note: the pelvis travels %.0f mm, not along its own forward axis: "
                        "the sagittal plane follows the pelvis\n", o->input, kn_vec_norm(travel));
    } else {
        g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                    "%s: cannot tell the walking direction", o->input);
        return FALSE;
    }
    kn_vec_cross(d->fwd, d->up, d->right);

    d->knee = g_new(double, n);
    d->thigh = g_new(double, n);
    d->shank = g_new(double, n);
    for (guint i = 0; i < n; i++) {
        struct kn_pelvis pel;
        double hjc[3], knee[3], ankle[3], vt[3], vs[3], ut[3], us[3];

        if (kn_pelvis_from_markers(p[i][MK_LASI], p[i][MK_RASI], sac[i], &pel) < 0) {
            g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                        "%s: degenerate pelvis markers at %.3f s", o->input,
                        (m->first_frame - 1 + m->s + i) / m->rate_hz);
            return FALSE;
        }
        kn_hjc_harrington(&pel, m->side_sign, hjc);
        for (int a = 0; a < 3; a++) {
            /* Medial is -right on the right leg, +right on the left. */
            knee[a] = p[i][m->kne][a] - m->side_sign * shift * d->right[a];
            ankle[a] = p[i][m->ank][a] - m->side_sign * shift * d->right[a];
            vt[a] = hjc[a] - knee[a];
            vs[a] = knee[a] - ankle[a];
        }
        d->thigh[i] = kn_sagittal_angle_deg(vt, d->fwd, d->up);
        d->shank[i] = kn_sagittal_angle_deg(vs, d->fwd, d->up);
        d->knee[i] = d->thigh[i] - d->shank[i];
        frontal_thigh[i] = kn_frontal_angle_deg(vt, d->right, d->up);
        frontal_shank[i] = kn_frontal_angle_deg(vs, d->right, d->up);
        if (kn_vec_unit(vt, ut) < 0 || kn_vec_unit(vs, us) < 0 ||
            kn_segment_frame(vt, d->right, frames[i][0]) < 0 ||
            kn_segment_frame(vs, d->right, frames[i][1]) < 0) {
            g_set_error(error, KN_CONVERT_ERROR, KN_CONVERT_ERROR_DATA,
                        "%s: degenerate thigh or shank at %.3f s", o->input,
                        (m->first_frame - 1 + m->s + i) / m->rate_hz);
            return FALSE;
        }
        for (int a = 0; a < 3; a++) {
            sens[i][0][a] = knee[a] + offset_mm * ut[a];
            sens[i][1][a] = knee[a] - offset_mm * us[a];
        }
    }

    for (int s = 0; s < 2; s++) {
        d->acc[s] = g_new(vec3, n);
        d->gyr[s] = g_new(vec3, n);
        for (guint i = 0; i < n; i++)
            memcpy(buf[i], sens[i][s], sizeof(buf[i]));
        second_derivative(buf, n, m->rate_hz, acc_lab);
        for (guint i = 0; i < n; i++) {
            double f[3] = { acc_lab[i][0], acc_lab[i][1], acc_lab[i][2] + KN_STANDARD_GRAVITY };

            for (int a = 0; a < 3; a++)
                d->acc[s][i][a] = kn_vec_dot(f, frames[i][s][a]);
        }
        /* The gyroscope: the sagittal rate is the derivative of the
         * segment angle, so that integrating it gives the truth back; the
         * frontal rate that of the frontal angle; the axial rate is not
         * seen by two markers and stays zero.  How far the sagittal rate
         * is from the frame's true angular velocity (3-D coupling) is
         * measured and reported. */
        for (guint i = 1; i + 1 < n; i++) {
            const double *ang = s == 0 ? d->thigh : d->shank;
            const double *fr = s == 0 ? frontal_thigh : frontal_shank;
            double w[3];

            d->gyr[s][i][0] = (fr[i + 1] - fr[i - 1]) * m->rate_hz / 2 * G_PI / 180;
            d->gyr[s][i][1] = 0;
            d->gyr[s][i][2] = (ang[i + 1] - ang[i - 1]) * m->rate_hz / 2 * G_PI / 180;
            kn_frame_angular_velocity(frames[i - 1][s], frames[i][s], frames[i + 1][s],
                                      1.0 / m->rate_hz, w);
            dev2 += pow((w[2] - d->gyr[s][i][2]) * 180 / G_PI, 2);
        }
        memcpy(d->gyr[s][0], d->gyr[s][1], sizeof(d->gyr[s][0]));
        memcpy(d->gyr[s][n - 1], d->gyr[s][n - 2], sizeof(d->gyr[s][0]));
    }
    d->gyro_z_rms_dev = sqrt(dev2 / (2.0 * (n - 2)));

    /* Gait events (Zeni et al. 2008): heel strike where the heel is
     * furthest ahead of the sacrum, toe-off where the toe is furthest
     * behind it, while the pelvis moves at walking speed. */
    d->hs = g_array_new(FALSE, FALSE, sizeof(guint));
    d->to = g_array_new(FALSE, FALSE, sizeof(guint));
    {
        g_autofree double *heel = g_new(double, n);
        g_autofree double *toe = g_new(double, n);
        g_autofree bool *walking = g_new0(bool, n);
        g_autofree size_t *idx = g_new(size_t, n);
        size_t half = (size_t) (EVENT_HALF_WINDOW_S * m->rate_hz), k;

        for (guint i = 0; i < n; i++) {
            double dh[3], dt[3];

            for (int a = 0; a < 3; a++) {
                dh[a] = p[i][m->hee][a] - sac[i][a];
                dt[a] = sac[i][a] - p[i][m->toe][a];
            }
            heel[i] = isfinite(dh[0]) ? kn_vec_dot(dh, d->fwd) : NAN;
            toe[i] = isfinite(dt[0]) ? kn_vec_dot(dt, d->fwd) : NAN;
            if (i > 0 && i + 1 < n) {
                double v[3];

                for (int a = 0; a < 3; a++)
                    v[a] = a == 2 ? 0 : (mid[i + 1][a] - mid[i - 1][a]) * m->rate_hz / 2;
                walking[i] = kn_vec_norm(v) > WALK_SPEED_MM_S;
            }
        }
        k = kn_find_maxima(heel, n, walking, half, EVENT_REACH_MM, idx, n);
        for (size_t j = 0; j < k; j++) {
            guint v = (guint) idx[j];

            g_array_append_val(d->hs, v);
        }
        k = kn_find_maxima(toe, n, walking, half, EVENT_REACH_MM, idx, n);
        for (size_t j = 0; j < k; j++) {
            guint v = (guint) idx[j];

            g_array_append_val(d->to, v);
        }
    }
    return TRUE;
}

/* ---- output ---- */

static double frame_time(const struct mocap *m, guint i)
{
    return (double) (m->first_frame - 1 + m->s + i) / m->rate_hz;
}

static char *filled_summary(const struct mocap *m)
{
    GString *s = g_string_new(NULL);

    for (int k = 0; k < MK_COUNT; k++)
        if (m->mk[k].filled)
            g_string_append_printf(s, "%s%s:%u", s->len ? " " : "", m->mk[k].name, m->mk[k].filled);
    if (!s->len)
        g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

/* Standard normal deviate (Box-Muller) from a seeded GRand: the noise is
 * the same for the same seed on every machine. */
static double gaussian(GRand *rand)
{
    double u1 = g_rand_double(rand), u2 = g_rand_double(rand);

    return sqrt(-2.0 * log1p(-u1)) * cos(2.0 * G_PI * u2);
}

static gboolean write_recording(struct mocap *m, const struct derived *d, GError **error)
{
    const struct kn_convert_opts *o = m->opts;
    g_autoptr(KnRecordingWriter) w = NULL;
    g_autoptr(GRand) rand = g_rand_new_with_seed(o->seed);
    g_autofree char *filled = filled_summary(m);
    KnRecordingMeta meta = { .rate_hz = m->rate_hz, .side = m->side };
    guint32 columns = KN_HAS_THIGH_IMU | KN_HAS_SHANK_IMU | (o->with_flex ? KN_HAS_FLEX : 0);

    meta.source = g_strdup_printf("walk-mocap-vicon %s (Vicon markers; IMU signals derived)", m->name);
    meta.extra = kn_convert_meta_new();
    kn_convert_meta_set(meta.extra, "format", "mocap-vicon");
    if (m->subject)
        kn_convert_meta_set(meta.extra, "subject", "%s", m->subject);
    kn_convert_meta_set(meta.extra, "hjc", "Harrington et al. 2007 (pelvic width and depth)");
    kn_convert_meta_set(meta.extra, "lowpass_hz", "%g", o->lowpass_hz > 0 ? o->lowpass_hz : DEFAULT_LOWPASS_HZ);
    kn_convert_meta_set(meta.extra, "lowpass", "zero-phase 4th-order Butterworth on every marker coordinate");
    kn_convert_meta_set(meta.extra, "sensor_offset_m", "%g", o->sensor_offset_m);
    kn_convert_meta_set(meta.extra, "knee_shift_mm", "%g", o->knee_shift_mm);
    kn_convert_meta_set(meta.extra, "input_frames", "%u", m->n);
    kn_convert_meta_set(meta.extra, "kept_frames", "%u", m->e - m->s);
    kn_convert_meta_set(meta.extra, "trimmed_frames", "%u", m->n - (m->e - m->s));
    kn_convert_meta_set(meta.extra, "trimmed", "%s", m->trimmed->len ? m->trimmed->str : "none");
    kn_convert_meta_set(meta.extra, "filled_frames", "%s (gaps <= %g s, cubic)", filled, o->max_gap_s);
    kn_convert_meta_set(meta.extra, "single_psis_frames", "%u", m->one_psis);
    kn_convert_meta_set(meta.extra, "relabelled", "%s", m->relabelled->len ? m->relabelled->str : "none");
    kn_convert_meta_set(meta.extra, "gyro_note",
                        "z = derivative of the sagittal segment angle (RMS %.2f deg/s from the "
                        "frame's 3-D angular velocity); x = derivative of the frontal angle; "
                        "y = 0: axial rotation is not derived", d->gyro_z_rms_dev);
    kn_convert_meta_set(meta.extra, "accel_note", "second derivative of a point %g m from the knee "
                        "on the segment axis, minus gravity, in the segment frame", o->sensor_offset_m);
    if (o->with_flex)
        kn_convert_meta_set(meta.extra, "flex_note", "knee_deg = marker knee angle + N(0, %g deg), seed %u",
                            o->flex_noise_deg, o->seed);

    w = kn_recording_writer_new(o->output, &meta, columns, error);
    kn_recording_meta_clear(&meta);
    if (!w)
        return FALSE;
    for (guint i = 0; i < d->n; i++) {
        struct kn_frame f = { .t_s = frame_time(m, i), .present = columns };
        g_autofree char *where = NULL;

        memcpy(f.thigh_accel, d->acc[0][i], sizeof(f.thigh_accel));
        memcpy(f.shank_accel, d->acc[1][i], sizeof(f.shank_accel));
        memcpy(f.thigh_gyro, d->gyr[0][i], sizeof(f.thigh_gyro));
        memcpy(f.shank_gyro, d->gyr[1][i], sizeof(f.shank_gyro));
        if (o->with_flex)
            f.knee_deg = d->knee[i] + (o->flex_noise_deg > 0 ? o->flex_noise_deg * gaussian(rand) : 0);
        where = g_strdup_printf("%s: frame %" G_GUINT64_FORMAT, m->opts->input,
                                m->first_frame + m->s + i);
        if (!kn_convert_write_frame(w, &f, where, error))
            return FALSE;
    }
    return kn_recording_writer_close(g_steal_pointer(&w), error);
}

static gboolean write_truth(struct mocap *m, const struct derived *d, GError **error)
{
    const struct kn_convert_opts *o = m->opts;
    g_autoptr(KnTruth) t = kn_truth_open(o->truth, error);
    g_autoptr(JsonBuilder) b = json_builder_new();
    double knee_min = INFINITY, knee_max = -INFINITY;

    if (!t)
        return FALSE;
    for (guint i = 0; i < d->n; i++) {
        knee_min = MIN(knee_min, d->knee[i]);
        knee_max = MAX(knee_max, d->knee[i]);
    }
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, "meta");
    json_builder_set_member_name(b, "format");
    json_builder_add_string_value(b, "mocap-vicon");
    json_builder_set_member_name(b, "source");
    json_builder_add_string_value(b, m->name);
    if (m->subject) {
        json_builder_set_member_name(b, "subject");
        json_builder_add_string_value(b, m->subject);
    }
    json_builder_set_member_name(b, "side");
    json_builder_add_string_value(b, kn_side_to_string(m->side));
    json_builder_set_member_name(b, "rate_hz");
    json_builder_add_double_value(b, m->rate_hz);
    json_builder_set_member_name(b, "t_start_s");
    json_builder_add_double_value(b, frame_time(m, 0));
    json_builder_set_member_name(b, "t_end_s");
    json_builder_add_double_value(b, frame_time(m, d->n - 1));
    json_builder_set_member_name(b, "frames");
    json_builder_add_int_value(b, d->n);
    json_builder_set_member_name(b, "knee_min_deg");
    json_builder_add_double_value(b, round(knee_min * 100) / 100);
    json_builder_set_member_name(b, "knee_max_deg");
    json_builder_add_double_value(b, round(knee_max * 100) / 100);
    json_builder_set_member_name(b, "relabelled");
    json_builder_add_string_value(b, m->relabelled->len ? m->relabelled->str : "none");
    json_builder_set_member_name(b, "knee_angle");
    json_builder_add_string_value(b, "thigh - shank sagittal angle; thigh = hip joint centre (Harrington "
                                     "2007) to KNE, shank = KNE to ANK, projected on the plane of the "
                                     "walking direction and the vertical");
    json_builder_set_member_name(b, "lowpass_hz");
    json_builder_add_double_value(b, o->lowpass_hz > 0 ? o->lowpass_hz : DEFAULT_LOWPASS_HZ);
    json_builder_set_member_name(b, "events");
    json_builder_add_string_value(b, "Zeni et al. 2008: heel strike = heel furthest ahead of the sacrum, "
                                     "toe-off = toe furthest behind it, while the pelvis moves > 0.3 m/s");
    json_builder_set_member_name(b, "heel_strikes");
    json_builder_add_int_value(b, d->hs->len);
    json_builder_set_member_name(b, "trimmed");
    json_builder_add_value(b, json_builder_get_root(m->trimmed_json));
    json_builder_end_object(b);
    kn_truth_write_builder(t, b);

    for (guint i = 0; i < d->n; i++)
        kn_truth_write_angle(t, frame_time(m, i), d->knee[i], d->thigh[i], d->shank[i]);
    for (guint i = 0; i < d->hs->len; i++)
        kn_truth_write_numbers(t, "heel_strike", "t_s", frame_time(m, g_array_index(d->hs, guint, i)), NULL);
    for (guint i = 0; i < d->to->len; i++)
        kn_truth_write_numbers(t, "toe_off", "t_s", frame_time(m, g_array_index(d->to, guint, i)), NULL);
    /* A contact: a heel strike and the first toe-off after it, before the
     * next heel strike. */
    for (guint i = 0; i < d->hs->len; i++) {
        guint hs = g_array_index(d->hs, guint, i);
        guint next = i + 1 < d->hs->len ? g_array_index(d->hs, guint, i + 1) : G_MAXUINT;

        for (guint j = 0; j < d->to->len; j++) {
            guint to = g_array_index(d->to, guint, j);

            if (to <= hs || to >= next)
                continue;
            kn_truth_write_numbers(t, "contact", "ic_s", frame_time(m, hs), "to_s", frame_time(m, to),
                                   "contact_s", (to - hs) / m->rate_hz, NULL);
            break;
        }
    }
    return kn_truth_close(g_steal_pointer(&t), error);
}

static gboolean convert(const struct kn_convert_opts *opts, GError **error)
{
    struct mocap m = { .opts = opts };
    struct derived d = { 0 };
    g_autoptr(KnCsv) csv = NULL;
    gboolean ok = FALSE;

    m.side = opts->side_given ? opts->side : KN_SIDE_RIGHT;
    m.side_sign = m.side == KN_SIDE_LEFT ? -1 : +1;
    m.kne = m.side == KN_SIDE_LEFT ? MK_LKNE : MK_RKNE;
    m.ank = m.side == KN_SIDE_LEFT ? MK_LANK : MK_RANK;
    m.hee = m.side == KN_SIDE_LEFT ? MK_LHEE : MK_RHEE;
    m.toe = m.side == KN_SIDE_LEFT ? MK_LTOE : MK_RTOE;
    m.name = g_path_get_basename(opts->input);
    csv = kn_csv_open(opts->input, error);
    if (!csv || !kn_mocap_read(&m, csv, error) || !kn_mocap_check_labels(&m, error))
        goto out;
    kn_mocap_fill_gaps(&m);
    if (!kn_mocap_choose_span(&m, error) || !derive(&m, &d, error))
        goto out;
    {
        g_autofree char *filled = filled_summary(&m);

        if (strcmp(filled, "none") != 0)
            fprintf(stderr, "%s: note: gaps of at most %g s filled with a cubic (frames): %s\n",
                    opts->input, opts->max_gap_s, filled);
    }
    if (m.trimmed->len)
        fprintf(stderr, "%s: note: %s leg: kept %.3f-%.3f s (%u of %u frames); trimmed %s\n",
                opts->input, kn_side_to_string(m.side), frame_time(&m, 0), frame_time(&m, d.n - 1),
                d.n, m.n, m.trimmed->str);
    if (!write_recording(&m, &d, error))
        goto out;
    if (opts->truth && !write_truth(&m, &d, error))
        goto out;
    ok = TRUE;
out:
    derived_clear(&d);
    kn_mocap_clear(&m);
    return ok;
}

/* DIR/data/<subject>/Gang/<subject>Gang<n>.csv, or DIR/<subject>/Gang/..., or
 * DIR itself holding the exports. */
static GPtrArray *list_inputs(const char *dir, GError **error)
{
    g_autofree char *data = g_build_filename(dir, "data", NULL);
    const char *root = g_file_test(data, G_FILE_TEST_IS_DIR) ? data : dir;
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(root, 0, error);
    const char *name;

    if (!d) {
        g_prefix_error(error, "%s: ", root);
        return NULL;
    }
    while ((name = g_dir_read_name(d))) {
        g_autofree char *gang = g_build_filename(root, name, "Gang", NULL);
        g_autoptr(GPtrArray) found = NULL;

        if (!g_file_test(gang, G_FILE_TEST_IS_DIR))
            continue;
        found = kn_convert_list_dir(gang, "*Gang*.csv", NULL, error);
        if (!found)
            return NULL;
        for (guint i = 0; i < found->len; i++)
            g_ptr_array_add(out, g_strdup(g_ptr_array_index(found, i)));
    }
    if (out->len == 0) {
        g_autoptr(GPtrArray) flat = kn_convert_list_dir(root, "*Gang*.csv", NULL, error);

        return g_steal_pointer(&flat);
    }
    g_ptr_array_sort(out, (GCompareFunc) g_strcmp0);
    return g_steal_pointer(&out);
}

const struct kn_convert_format kn_format_mocap = {
    .name = "mocap-vicon",
    .summary = "walking, Vicon Plug-in-Gait markers, 200 Hz: knee angle truth and derived IMUs (walk-mocap-vicon)",
    .inputs = "data/<subject>/Gang/<subject>Gang<n>.csv",
    .has_truth = TRUE,
    .convert = convert,
    .list_inputs = list_inputs,
};
