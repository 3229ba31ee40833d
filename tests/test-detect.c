/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The detectors fed directly: the sample or stride that must raise an
 * alert raises exactly one, at the right time, with the right severity;
 * what must not raise one does not.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "analysis/alert-text.h"
#include "analysis/detect.h"

/* The English sentence of an alert, in a buffer that lives to the end of
 * the statement. */
#define TEXT(a) kn_alert_text((a), (char[KN_ALERT_TEXT_MAX]) { 0 }, KN_ALERT_TEXT_MAX)

struct sink {
    struct kn_alert a[256];
    int n;
};

static void keep(struct sink *s, const struct kn_alert *a, size_t n)
{
    for (size_t i = 0; i < n && s->n < 256; i++)
        s->a[s->n++] = a[i];
}

static int count_kind(const struct sink *s, enum kn_alert_kind k)
{
    int n = 0;

    for (int i = 0; i < s->n; i++)
        n += s->a[i].kind == k;
    return n;
}

static struct kn_detect *new_detect(void)
{
    struct kn_params p;

    kn_params_init(&p);
    return kn_detect_new(&p);
}

/* the accelerometers' second opinion fed with every sample: none by
 * default, or gap_of(sample index) */
static double (*gap_of)(unsigned i);
static unsigned n_samples;

static void sample(struct kn_detect *d, struct sink *s, double t, double knee, double rate)
{
    struct kn_alert out[KN_DETECT_MAX_ALERTS];
    struct kn_detect_sample in = {
        .t = t, .knee_deg = knee, .rate_dps = rate,
        .check_gap_deg = gap_of ? gap_of(n_samples++) : NAN, .frontal_rads = NAN,
        .last_ic = NAN, .typical_contact_s = NAN,
    };

    keep(s, out, kn_detect_sample(d, &in, out));
}

/* The knee moves from `from` to `to` at `speed` deg/s, sampled at 200 Hz,
 * then holds for `hold` seconds.  Returns the time reached. */
static double ramp(struct kn_detect *d, struct sink *s, double t, double from, double to,
                   double speed, double hold)
{
    double dir = to > from ? 1 : -1, knee = from;

    while (dir * (to - knee) > 0) {
        t += 0.005;
        knee += dir * speed * 0.005;
        if (dir * (knee - to) > 0)
            knee = to;
        sample(d, s, t, knee, dir * speed);
    }
    for (double end = t + hold; t < end;) {
        t += 0.005;
        sample(d, s, t, to, 0);
    }
    return t;
}

static struct kn_stride make_stride(double t, double cadence, double min, double max, double stance_peak)
{
    struct kn_stride st;

    kn_stride_clear(&st);
    st.t_s = t;
    st.stride_s = 120.0 / cadence;
    st.start_s = t - st.stride_s;
    st.cadence_spm = cadence;
    st.contact_s = 0.25;
    st.ic_flex_deg = 18;
    st.stance_peak_flex_deg = stance_peak;
    st.swing_peak_flex_deg = max;
    st.min_flex_deg = min;
    st.rom_deg = max - min;
    st.impact_g = 7;
    st.activity = cadence >= 140 ? KN_ACTIVITY_RUNNING : KN_ACTIVITY_WALKING;
    return st;
}

static double strides(struct kn_detect *d, struct sink *s, double t, int n, double cadence,
                      double min, double max)
{
    struct kn_alert out[KN_DETECT_MAX_ALERTS];

    for (int i = 0; i < n; i++) {
        struct kn_stride st;

        t += 120.0 / cadence;
        st = make_stride(t, cadence, min, max, 40);
        keep(s, out, kn_detect_stride(d, &st, t, out));
    }
    return t;
}

static void test_hyperextension_fires_on_the_sample(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t;

    /* a few strides that straighten to 5 degrees: the usual extension */
    t = strides(d, &s, 0, 5, 170, 5, 100);
    t = ramp(d, &s, t, 20, 10, 50, 1.0);
    g_assert_cmpint(s.n, ==, 0);
    /* 10 -> -9 at 400 deg/s: crosses -5 on the sample where knee = -5.0
     * is first passed */
    t = ramp(d, &s, t, 10, -9, 400, 0.1);
    g_assert_cmpint(s.n, ==, 1);
    g_assert_cmpint(s.a[0].kind, ==, KN_ALERT_HYPEREXTENSION);
    /* the sample where the knee first went below -5 */
    g_assert_cmpfloat(s.a[0].value, >, 5.0);
    g_assert_cmpfloat(s.a[0].value, <=, 5.0 + 400 * 0.005 + 1e-9);
    g_assert_cmpfloat(s.a[0].threshold, ==, 5.0);
    g_assert_cmpint(s.a[0].severity, ==, KN_SEVERITY_CRITICAL);    /* 400 deg/s */
    g_assert_cmpint(s.a[0].message, ==, KN_MSG_HYPEREXTENSION);
    g_assert_cmpint(s.a[0].unit, ==, KN_UNIT_DEG);
    g_assert_cmpfloat(s.a[0].arg, >=, 400 - 1e-9);     /* the speed into it */
    g_assert_nonnull(strstr(TEXT(&s.a[0]), "past straight"));
    /* staying there is the same episode */
    t = ramp(d, &s, t, -9, -9, 1, 2.0);
    g_assert_cmpint(s.n, ==, 1);
    /* back to straight, and again 3 s later at 200 deg/s: a new episode,
     * a warning */
    t = ramp(d, &s, t, -9, 5, 200, 3.0);
    t = ramp(d, &s, t, 5, -7, 200, 0.2);
    g_assert_cmpint(s.n, ==, 2);
    g_assert_cmpint(s.a[1].severity, ==, KN_SEVERITY_WARNING);
    (void) t;
    kn_detect_free(d);
}

static void test_slow_hyperextension_is_posture(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t = strides(d, &s, 0, 5, 170, 5, 100);

    /* leaning back into a locked knee at 20 deg/s */
    ramp(d, &s, ramp(d, &s, t, 5, -8, 20, 5.0), -8, 5, 20, 1.0);
    g_assert_cmpint(s.n, ==, 0);
    kn_detect_free(d);
}

static void test_hyperextension_refractory(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t = strides(d, &s, 0, 5, 170, 5, 100);

    /* two snaps 0.5 s apart: one alert (refractory 1 s) */
    t = ramp(d, &s, t, 5, -8, 400, 0.05);
    t = ramp(d, &s, t, -8, 5, 400, 0.3);
    t = ramp(d, &s, t, 5, -8, 400, 0.05);
    g_assert_cmpint(s.n, ==, 1);
    (void) t;
    kn_detect_free(d);
}

static void test_hyperextension_before_strides(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t;

    /* nothing known of this knee yet: only a clear hyperextension, the
     * critical depth (10 degrees) */
    t = ramp(d, &s, 0, 10, -9, 400, 0.5);
    t = ramp(d, &s, t, -9, 10, 400, 1.5);
    g_assert_cmpint(s.n, ==, 0);
    ramp(d, &s, t, 10, -12, 400, 0.2);
    g_assert_cmpint(s.n, ==, 1);
    g_assert_cmpfloat(s.a[0].threshold, ==, 10.0);
    kn_detect_free(d);
}

static void test_hyperextension_habitual(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t;

    /* a knee that reaches 4 degrees past straight every stride: 5 more
     * than that is sudden, less is this knee's way */
    t = strides(d, &s, 0, 8, 170, -4, 95);
    t = ramp(d, &s, t, 10, -8, 400, 0.5);
    t = ramp(d, &s, t, -8, 10, 400, 1.5);
    g_assert_cmpint(s.n, ==, 0);
    ramp(d, &s, t, 10, -10, 400, 0.2);
    g_assert_cmpint(s.n, ==, 1);
    g_assert_cmpfloat(s.a[0].threshold, ==, 9.0);
    kn_detect_free(d);
}

/* samples of the second opinion as a real sleeve's scatter in swing:
 * mostly within a few degrees, one sample in five far off */
static double gap_scattered(unsigned i)
{
    return (i % 5 == 4) ? 40.0 : ((i % 2) ? 6.0 : -6.0);
}

/* the accelerometers disagree for the whole look-back but one sample:
 * a gyro angle that ran away */
static double gap_ran_away(unsigned i)
{
    return i == 19 ? 1.0 : 30.0;
}

static double gap_none(unsigned i)
{
    (void) i;
    return NAN;
}

static int hyperextend_with_gap(double (*gap)(unsigned))
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t;
    int n;

    gap_of = gap;
    n_samples = 0;
    t = strides(d, &s, 0, 5, 170, 5, 100);
    t = ramp(d, &s, t, 20, 10, 50, 1.0);
    g_assert_cmpint(s.n, ==, 0);
    /* 10 -> -9 at 400 deg/s crosses -5 on the 8th sample of the ramp:
     * index 19, where gap_ran_away agrees and gap_scattered is far off */
    n_samples = 12;
    ramp(d, &s, t, 10, -9, 400, 0.1);
    n = count_kind(&s, KN_ALERT_HYPEREXTENSION);
    gap_of = NULL;
    kn_detect_free(d);
    return n;
}

static void test_hyperextension_second_opinion(void)
{
    /* no opinion (flight phase): the gyro angle alone decides */
    g_assert_cmpint(hyperextend_with_gap(gap_none), ==, 1);
    /* a scattered opinion that agrees on the median: an alert */
    g_assert_cmpint(hyperextend_with_gap(gap_scattered), ==, 1);
    /* agreeing on the crossing sample only is not agreeing */
    g_assert_cmpint(hyperextend_with_gap(gap_ran_away), ==, 0);
}

static void test_range_loss(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t = 0;
    int before;

    /* warm-up 5 + baseline 30 strides at 170 spm, 5..100 degrees */
    t = strides(d, &s, t, 40, 170, 5, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_RANGE_LOSS), ==, 0);
    g_assert_cmpfloat_with_epsilon(kn_detect_baseline_rom(d), 95, 1e-9);
    /* one stride far short: never from a single stride */
    t = strides(d, &s, t, 1, 170, 5, 70);
    t = strides(d, &s, t, 30, 170, 5, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_RANGE_LOSS), ==, 0);
    /* sustained: 8 degrees less bend and 4 less straightening = 12 */
    before = s.n;
    t = strides(d, &s, t, 9, 170, 9, 92);
    g_assert_cmpint(count_kind(&s, KN_ALERT_RANGE_LOSS), ==, 0);   /* median not there yet */
    t = strides(d, &s, t, 30, 170, 9, 92);
    g_assert_cmpint(count_kind(&s, KN_ALERT_RANGE_LOSS), ==, 1);
    g_assert_cmpint(s.n, ==, before + 1);
    g_assert_cmpfloat_with_epsilon(s.a[before].value, 12, 1e-9);
    g_assert_cmpint(s.a[before].severity, ==, KN_SEVERITY_WARNING);
    (void) t;
    kn_detect_free(d);
}

static void test_range_compares_like_with_like(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t = 0;

    /* running at 170 with 95 deg of range, then walking at 110 with 60:
     * a different gait, not a loss */
    t = strides(d, &s, t, 60, 170, 5, 100);
    t = strides(d, &s, t, 80, 110, 2, 62);
    t = strides(d, &s, t, 60, 172, 5, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_RANGE_LOSS), ==, 0);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOCKING), ==, 0);
    (void) t;
    kn_detect_free(d);
}

static void test_locking(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t = 0;

    t = strides(d, &s, t, 40, 170, 5, 100);
    /* two strides short of straight: not yet */
    t = strides(d, &s, t, 2, 170, 25, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOCKING), ==, 0);
    /* the third in a row */
    t = strides(d, &s, t, 1, 170, 25, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOCKING), ==, 1);
    g_assert_cmpint(s.a[s.n - 1].severity, ==, KN_SEVERITY_CRITICAL);
    g_assert_cmpfloat_with_epsilon(s.a[s.n - 1].value, 20, 1e-9);
    /* still locked: one episode */
    t = strides(d, &s, t, 10, 170, 25, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOCKING), ==, 1);
    /* straightens, and it locks again a minute later: a new episode */
    t = strides(d, &s, t, 80, 170, 5, 100);
    t = strides(d, &s, t, 3, 170, 25, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOCKING), ==, 2);
    /* locked strides never feed the range-loss detector */
    g_assert_cmpint(count_kind(&s, KN_ALERT_RANGE_LOSS), ==, 0);
    kn_detect_free(d);
}

static void test_advice(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    double t = 0;

    /* walking at 110 spm is not low cadence */
    t = strides(d, &s, t, 60, 110, 2, 60);
    g_assert_cmpint(s.n, ==, 0);
    /* running at 150: one advice after the 20-stride window */
    t = strides(d, &s, t, 19, 150, 5, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOW_CADENCE), ==, 0);
    t = strides(d, &s, t, 100, 150, 5, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOW_CADENCE), ==, 1);
    g_assert_cmpint(s.a[0].severity, ==, KN_SEVERITY_INFO);
    g_assert_cmpfloat_with_epsilon(s.a[0].value, 150, 1e-9);
    g_assert_cmpfloat_with_epsilon(s.a[0].threshold, 160, 1e-9);
    g_assert_cmpint(s.a[0].message, ==, KN_MSG_LOW_CADENCE);
    g_assert_cmpint(s.a[0].unit, ==, KN_UNIT_SPM);
    g_assert_cmpfloat(s.a[0].arg, ==, 162);              /* 150 * 1.075, rounded up */
    g_assert_nonnull(strstr(TEXT(&s.a[0]), "162"));
    (void) t;
    kn_detect_free(d);

    /* just under the threshold: the message must not read "160" */
    d = new_detect();
    s.n = 0;
    strides(d, &s, 0, 40, 159.6, 5, 100);
    g_assert_cmpint(count_kind(&s, KN_ALERT_LOW_CADENCE), ==, 1);
    g_assert_nonnull(strstr(TEXT(&s.a[0]), "Cadence 159 steps/min, under 160."));
    kn_detect_free(d);
}

static void test_giving_way(void)
{
    struct kn_detect *d = new_detect();
    struct sink s = { 0 };
    struct kn_alert out[KN_DETECT_MAX_ALERTS];
    double t = strides(d, &s, 0, 10, 170, 5, 100);   /* usual stance peak 40 */
    double ic = t + 0.01;

    /* a contact, then a normal loading to 40 deg: nothing */
    keep(&s, out, kn_detect_contact(d, ic, ic, out));
    t = ramp(d, &s, ic, 18, 40, 300, 0.05);
    g_assert_cmpint(count_kind(&s, KN_ALERT_INSTABILITY), ==, 0);
    /* next stance: the knee collapses to 65 at 400 deg/s, 25 beyond usual */
    t += 0.6;
    keep(&s, out, kn_detect_contact(d, t, t, out));
    t = ramp(d, &s, t, 18, 65, 400, 0.05);
    g_assert_cmpint(count_kind(&s, KN_ALERT_INSTABILITY), ==, 1);
    g_assert_cmpfloat(s.a[s.n - 1].value, >, 15.0);
    g_assert_cmpfloat(s.a[s.n - 1].value, <, 16.5);
    /* the same bend in swing (long after the contact) is just swing */
    t = ramp(d, &s, t + 0.5, 20, 110, 600, 0.1);
    g_assert_cmpint(count_kind(&s, KN_ALERT_INSTABILITY), ==, 1);
    kn_detect_free(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/detect/hyperextension/fires-on-the-sample", test_hyperextension_fires_on_the_sample);
    g_test_add_func("/detect/hyperextension/slow-is-posture", test_slow_hyperextension_is_posture);
    g_test_add_func("/detect/hyperextension/refractory", test_hyperextension_refractory);
    g_test_add_func("/detect/hyperextension/before-strides", test_hyperextension_before_strides);
    g_test_add_func("/detect/hyperextension/habitual", test_hyperextension_habitual);
    g_test_add_func("/detect/hyperextension/second-opinion", test_hyperextension_second_opinion);
    g_test_add_func("/detect/range-loss/sustained-only", test_range_loss);
    g_test_add_func("/detect/range-loss/like-with-like", test_range_compares_like_with_like);
    g_test_add_func("/detect/locking", test_locking);
    g_test_add_func("/detect/advice/low-cadence", test_advice);
    g_test_add_func("/detect/instability/collapse", test_giving_way);
    return g_test_run();
}
