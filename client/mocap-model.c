/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "client/mocap-model.h"

double kn_vec_dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

void kn_vec_cross(const double a[3], const double b[3], double ret[3])
{
    double r0 = a[1] * b[2] - a[2] * b[1];
    double r1 = a[2] * b[0] - a[0] * b[2];
    double r2 = a[0] * b[1] - a[1] * b[0];

    ret[0] = r0;
    ret[1] = r1;
    ret[2] = r2;
}

double kn_vec_norm(const double a[3])
{
    return sqrt(kn_vec_dot(a, a));
}

int kn_vec_unit(const double a[3], double ret[3])
{
    double n = kn_vec_norm(a);

    if (!(n > 1e-12) || !isfinite(n))
        return -EDOM;
    for (int i = 0; i < 3; i++)
        ret[i] = a[i] / n;
    return 0;
}

/* a minus its component along the unit vector u */
static void reject(const double a[3], const double u[3], double ret[3])
{
    double d = kn_vec_dot(a, u);

    for (int i = 0; i < 3; i++)
        ret[i] = a[i] - d * u[i];
}

int kn_pelvis_from_markers(const double lasi[3], const double rasi[3], const double sacrum[3],
                           struct kn_pelvis *ret)
{
    double lr[3], back[3], xa[3];

    for (int i = 0; i < 3; i++) {
        ret->origin[i] = (lasi[i] + rasi[i]) / 2.0;
        lr[i] = rasi[i] - lasi[i];
        back[i] = ret->origin[i] - sacrum[i];
    }
    if (kn_vec_unit(lr, ret->z) < 0)
        return -EDOM;
    reject(back, ret->z, xa);
    ret->depth = kn_vec_norm(xa);
    if (kn_vec_unit(xa, ret->x) < 0)
        return -EDOM;
    kn_vec_cross(ret->z, ret->x, ret->y);
    ret->width = kn_vec_norm(lr);
    return 0;
}

void kn_hjc_harrington(const struct kn_pelvis *p, int side_sign, double ret[3])
{
    double hx = -0.24 * p->depth - 9.9;
    double hy = -0.30 * p->width - 10.9;
    double hz = (side_sign < 0 ? -1.0 : 1.0) * (0.33 * p->width + 7.3);

    for (int i = 0; i < 3; i++)
        ret[i] = p->origin[i] + hx * p->x[i] + hy * p->y[i] + hz * p->z[i];
}

double kn_sagittal_angle_deg(const double along[3], const double fwd[3], const double up[3])
{
    /* A segment turned by +theta about the right axis has its long axis
     * at (-sin theta, cos theta) in (forward, up). */
    return atan2(-kn_vec_dot(along, fwd), kn_vec_dot(along, up)) * 180.0 / M_PI;
}

double kn_frontal_angle_deg(const double along[3], const double right[3], const double up[3])
{
    return atan2(kn_vec_dot(along, right), kn_vec_dot(along, up)) * 180.0 / M_PI;
}

int kn_segment_frame(const double along[3], const double right[3], double ret[3][3])
{
    double z[3];

    if (kn_vec_unit(along, ret[1]) < 0)
        return -EDOM;
    reject(right, ret[1], z);
    if (kn_vec_unit(z, ret[2]) < 0)
        return -EDOM;
    kn_vec_cross(ret[1], ret[2], ret[0]);
    return 0;
}

void kn_frame_angular_velocity(const double before[3][3], const double now[3][3],
                               const double after[3][3], double dt, double ret[3])
{
    double w[3] = { 0, 0, 0 };

    for (int i = 0; i < 3; i++) {
        double de[3], c[3];

        for (int k = 0; k < 3; k++)
            de[k] = (after[i][k] - before[i][k]) / (2.0 * dt);
        kn_vec_cross(now[i], de, c);
        for (int k = 0; k < 3; k++)
            w[k] += 0.5 * c[k];
    }
    for (int i = 0; i < 3; i++)
        ret[i] = kn_vec_dot(w, now[i]);
}

size_t kn_find_maxima(const double *x, size_t n, const bool *allowed, size_t half_window,
                      double min_value, size_t *out, size_t max_out)
{
    size_t found = 0;

    for (size_t i = 1; i + 1 < n; i++) {
        size_t lo = i > half_window ? i - half_window : 0;
        size_t hi = i + half_window < n ? i + half_window : n - 1;
        bool best = true;

        if ((allowed && !allowed[i]) || !(x[i] > min_value) || !(x[i] > x[i - 1]) ||
            !(x[i] >= x[i + 1]))
            continue;
        for (size_t j = lo; j <= hi && best; j++)
            if (j != i && (x[j] > x[i] || (x[j] == x[i] && j < i)))
                best = false;
        if (!best)
            continue;
        if (found < max_out)
            out[found] = i;
        found++;
    }
    return found;
}

static bool track_has(const double *t, size_t i)
{
    return t && isfinite(t[3 * i]);
}

/* The four symmetries of the ASIS/PSIS rectangle, as labelled index per
 * role (LASI, RASI, LPSI, RPSI). */
static const int pelvis_symmetries[4][4] = {
    { 0, 1, 2, 3 },             /* as labelled */
    { 1, 0, 3, 2 },             /* left and right swapped */
    { 2, 3, 0, 1 },             /* front and back swapped */
    { 3, 2, 1, 0 },             /* turned half round */
};

int kn_mocap_pelvis_roles(const double *const track[4], size_t n, int ret_order[4])
{
    double front = 0, back = 0, upness[4] = { 0 };
    size_t frames = 0;
    int found = -1;

    for (size_t i = 0; i < n; i++) {
        bool all = true;

        for (int k = 0; k < 4; k++)
            all = all && track_has(track[k], i);
        if (!all)
            continue;
        frames++;
        front += sqrt(pow(track[1][3 * i] - track[0][3 * i], 2) +
                      pow(track[1][3 * i + 1] - track[0][3 * i + 1], 2) +
                      pow(track[1][3 * i + 2] - track[0][3 * i + 2], 2));
        back += sqrt(pow(track[3][3 * i] - track[2][3 * i], 2) +
                     pow(track[3][3 * i + 1] - track[2][3 * i + 1], 2) +
                     pow(track[3][3 * i + 2] - track[2][3 * i + 2], 2));
        for (int s = 0; s < 4; s++) {
            const int *o = pelvis_symmetries[s];
            double sac[3];
            struct kn_pelvis p;

            for (int a = 0; a < 3; a++)
                sac[a] = (track[o[2]][3 * i + a] + track[o[3]][3 * i + a]) / 2;
            if (kn_pelvis_from_markers(&track[o[0]][3 * i], &track[o[1]][3 * i], sac, &p) == 0)
                upness[s] += p.y[2];
        }
    }
    if (frames == 0)
        return -ENODATA;
    for (int s = 0; s < 4; s++) {
        /* Swapping front and back exchanges the two widths. */
        bool wide_front = (s == 0 || s == 1) ? front > back : back > front;

        if (wide_front && upness[s] / frames > 0.5) {
            if (found >= 0)
                return -EBADMSG;
            found = s;
        }
    }
    if (found < 0)
        return -EBADMSG;
    memcpy(ret_order, pelvis_symmetries[found], sizeof(pelvis_symmetries[found]));
    return 0;
}

int kn_mocap_leg_roles(const double *const pelvis[4], const double *const track[4], size_t n,
                       bool upper_by_height, int ret_order[4])
{
    double lateral[4] = { 0 }, upper[4] = { 0 };
    size_t frames = 0;
    int right[2], left[2], nr = 0, nl = 0, rank[4] = { 0, 1, 2, 3 };

    for (size_t i = 0; i < n; i++) {
        double sac[3];
        struct kn_pelvis p;
        bool ok = track_has(pelvis[0], i) && track_has(pelvis[1], i) &&
                  (track_has(pelvis[2], i) || track_has(pelvis[3], i));

        for (int k = 0; k < 4; k++)
            ok = ok && track_has(track[k], i);
        if (!ok)
            continue;
        for (int a = 0; a < 3; a++) {
            bool l = track_has(pelvis[2], i), r = track_has(pelvis[3], i);

            sac[a] = l && r ? (pelvis[2][3 * i + a] + pelvis[3][3 * i + a]) / 2
                            : l ? pelvis[2][3 * i + a] : pelvis[3][3 * i + a];
        }
        if (kn_pelvis_from_markers(&pelvis[0][3 * i], &pelvis[1][3 * i], sac, &p) < 0)
            continue;
        frames++;
        for (int k = 0; k < 4; k++) {
            double d[3];

            for (int a = 0; a < 3; a++)
                d[a] = track[k][3 * i + a] - p.origin[a];
            lateral[k] += kn_vec_dot(d, p.z);
            upper[k] += upper_by_height ? d[2] : kn_vec_dot(d, p.x);
        }
    }
    if (frames == 0)
        return -ENODATA;
    /* Sort the four by how far right they are. */
    for (int a = 0; a < 4; a++)
        for (int b = a + 1; b < 4; b++)
            if (lateral[rank[b]] > lateral[rank[a]]) {
                int t = rank[a];

                rank[a] = rank[b];
                rank[b] = t;
            }
    right[nr++] = rank[0];
    right[nr++] = rank[1];
    left[nl++] = rank[2];
    left[nl++] = rank[3];
    /* roles: 0 R upper, 1 L upper, 2 R lower, 3 L lower */
    ret_order[0] = upper[right[0]] >= upper[right[1]] ? right[0] : right[1];
    ret_order[2] = ret_order[0] == right[0] ? right[1] : right[0];
    ret_order[1] = upper[left[0]] >= upper[left[1]] ? left[0] : left[1];
    ret_order[3] = ret_order[1] == left[0] ? left[1] : left[0];
    return 0;
}
