/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The simulated sleeve's configuration: defaults, block and event specs,
 * formatting back to specs, and validation with clear messages. */
#include "tests/sim-helpers.h"

static void test_config_defaults(void)
{
    struct kn_sim_config c;
    char err[256];

    kn_sim_config_init(&c);
    g_assert_cmpfloat(c.rate_hz, ==, 200);
    g_assert_cmpint(c.side, ==, KN_SIDE_RIGHT);
    g_assert_cmpuint(c.seed, ==, 1);
    g_assert_cmpuint(c.sensors, ==, KN_HAS_ALL);
    g_assert_cmpfloat(c.noise, ==, 1);
    g_assert_cmpfloat(c.gyro_bias_rads, ==, 0.02);
    g_assert_cmpfloat(c.impact_g, ==, 8);
    g_assert_cmpfloat(c.frontal_deg, ==, 2);
    g_assert_false(c.repeat);
    g_assert_cmpuint(c.n_blocks, ==, 3);
    g_assert_cmpint(c.blocks[0].activity, ==, KN_SIM_STAND);
    g_assert_cmpfloat(c.blocks[0].duration_s, ==, 5);
    g_assert_cmpint(c.blocks[1].activity, ==, KN_SIM_RUN);
    g_assert_cmpfloat(c.blocks[1].duration_s, ==, 300);
    g_assert_cmpfloat(c.blocks[1].cadence_spm, ==, 170);
    g_assert_cmpfloat(c.blocks[1].speed_mps, ==, 3.3);
    g_assert_cmpint(c.blocks[2].activity, ==, KN_SIM_STAND);
    g_assert_cmpfloat(c.blocks[2].duration_s, ==, 5);
    g_assert_cmpuint(c.n_events, ==, 0);
    g_assert_cmpint(kn_sim_config_validate(&c, err, sizeof(err)), ==, 0);
}

static void test_config_blocks(void)
{
    struct kn_sim_config c;
    char err[256];
    static const struct {
        const char *spec;
        const char *message;
    } bad[] = {
        { "jog:10", "unknown activity 'jog'" },
        { "run", "no duration" },
        { "run:", "duration is not a number: ''" },
        { "run:abc", "duration is not a number: 'abc'" },
        { "run:10:fast", "cadence is not a number: 'fast'" },
        { "run:10:170:3.3:9", "too many fields" },
        { "stand:5:170", "too many fields (expected stand:DURATION)" },
        { "walk:10:100:1,2", "speed is not a number: '1,2'" },
        { "run:1e999", "not a number" },
    };

    kn_sim_config_init(&c);
    c.n_blocks = 0;
    g_assert_cmpint(kn_sim_config_add_block(&c, "stand:5", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_block(&c, "walk:60", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_block(&c, "run:120:180", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_block(&c, "run:30::4.5", err, sizeof(err)), ==, 0);
    g_assert_cmpuint(c.n_blocks, ==, 4);
    g_assert_cmpint(c.blocks[1].activity, ==, KN_SIM_WALK);
    g_assert_cmpfloat(c.blocks[1].cadence_spm, ==, 110);
    g_assert_cmpfloat(c.blocks[1].speed_mps, ==, 1.3);
    g_assert_cmpfloat(c.blocks[2].cadence_spm, ==, 180);
    g_assert_cmpfloat(c.blocks[2].speed_mps, ==, 3.3);
    g_assert_cmpfloat(c.blocks[3].cadence_spm, ==, 170);
    g_assert_cmpfloat(c.blocks[3].speed_mps, ==, 4.5);

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        err[0] = '\0';
        g_assert_cmpint(kn_sim_config_add_block(&c, bad[i].spec, err, sizeof(err)), ==, -EINVAL);
        if (!strstr(err, bad[i].message))
            g_error("block '%s': message '%s' lacks '%s'", bad[i].spec, err, bad[i].message);
        g_assert_nonnull(strstr(err, bad[i].spec));
    }
    g_assert_cmpuint(c.n_blocks, ==, 4);

    while (c.n_blocks < KN_SIM_MAX_BLOCKS)
        g_assert_cmpint(kn_sim_config_add_block(&c, "stand:2", NULL, 0), ==, 0);
    g_assert_cmpint(kn_sim_config_add_block(&c, "stand:2", err, sizeof(err)), ==, -E2BIG);
    g_assert_nonnull(strstr(err, "too many blocks"));
}

static void test_config_events(void)
{
    struct kn_sim_config c;
    char err[256];
    static const struct {
        const char *spec;
        const char *message;
    } bad[] = {
        { "wobble@20", "unknown kind 'wobble'" },
        { "locking", "no time" },
        { "locking@", "time is not a number" },
        { "locking@soon", "time is not a number: 'soon'" },
        { "locking@20:deg", "'deg' is not key=value" },
        { "locking@20:deg=", "deg is not a number: ''" },
        { "locking@20:speed=3", "unknown key 'speed' for locking (valid: deg, duration)" },
        { "giving_way@20:duration=3", "unknown key 'duration' for giving_way (valid: depth, valgus)" },
        { "hyperextension@20:valgus=3", "unknown key 'valgus' for hyperextension" },
        { "range_loss@20:deg=x", "deg is not a number: 'x'" },
    };

    kn_sim_config_init(&c);
    g_assert_cmpint(kn_sim_config_add_event(&c, "hyperextension@20", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_event(&c, "giving_way@40:depth=20,valgus=5", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_event(&c, "range_loss@60:deg=15,duration=60", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_event(&c, "locking@200", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_event(&c, "sleeve_slip@250:depth=-4", err, sizeof(err)), ==, 0);
    g_assert_cmpint(kn_sim_config_add_event(&c, "hyperextension@100:speed=900,depth=20", err, sizeof(err)), ==, 0);
    g_assert_cmpuint(c.n_events, ==, 6);

    g_assert_cmpint(c.events[0].kind, ==, KN_SIM_EVENT_HYPEREXTENSION);
    g_assert_cmpfloat(c.events[0].t_s, ==, 20);
    g_assert_cmpfloat(c.events[0].magnitude_deg, ==, 12);
    g_assert_cmpfloat(c.events[0].speed_dps, ==, 400);
    g_assert_cmpfloat(c.events[1].magnitude_deg, ==, 20);
    g_assert_cmpfloat(c.events[1].valgus_deg, ==, 5);
    g_assert_cmpfloat(c.events[2].magnitude_deg, ==, 15);
    g_assert_cmpfloat(c.events[2].duration_s, ==, 60);
    g_assert_cmpfloat(c.events[3].magnitude_deg, ==, 25);
    g_assert_cmpfloat(c.events[3].duration_s, ==, 15);
    g_assert_cmpfloat(c.events[4].magnitude_deg, ==, -4);
    g_assert_cmpfloat(c.events[4].duration_s, ==, 2);
    g_assert_cmpfloat(c.events[5].speed_dps, ==, 900);
    g_assert_cmpfloat(c.events[5].magnitude_deg, ==, 20);
    g_assert_cmpint(kn_sim_config_validate(&c, err, sizeof(err)), ==, 0);

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        err[0] = '\0';
        g_assert_cmpint(kn_sim_config_add_event(&c, bad[i].spec, err, sizeof(err)), ==, -EINVAL);
        if (!strstr(err, bad[i].message))
            g_error("event '%s': message '%s' lacks '%s'", bad[i].spec, err, bad[i].message);
    }
    g_assert_cmpuint(c.n_events, ==, 6);

    g_assert_cmpint(kn_sim_event_expected_alert(KN_SIM_EVENT_HYPEREXTENSION), ==, KN_ALERT_HYPEREXTENSION);
    g_assert_cmpint(kn_sim_event_expected_alert(KN_SIM_EVENT_GIVING_WAY), ==, KN_ALERT_INSTABILITY);
    g_assert_cmpint(kn_sim_event_expected_alert(KN_SIM_EVENT_RANGE_LOSS), ==, KN_ALERT_RANGE_LOSS);
    g_assert_cmpint(kn_sim_event_expected_alert(KN_SIM_EVENT_LOCKING), ==, KN_ALERT_LOCKING);
    g_assert_cmpint(kn_sim_event_expected_alert(KN_SIM_EVENT_SLEEVE_SLIP), ==, -1);
}

/* Specs written by the formatters read back to the same values. */
static void test_config_format(void)
{
    struct kn_sim_config a, b;
    char buf[160];

    kn_sim_config_init(&a);
    kn_sim_config_init(&b);
    config_blocks(&a, (const char *const[]) { "stand:7.25", "walk:61:104.5:1.15", "run:33.3:171:3.35", NULL });
    config_event(&a, "hyperextension@20.1:depth=13.5,speed=777");
    config_event(&a, "giving_way@25:depth=33,valgus=7");
    config_event(&a, "range_loss@30:deg=0.1,duration=0.7");
    config_event(&a, "sleeve_slip@5:deg=-3.3,duration=0");
    b.n_blocks = 0;
    for (size_t i = 0; i < a.n_blocks; i++) {
        kn_sim_block_format(&a.blocks[i], buf, sizeof(buf));
        g_assert_cmpint(kn_sim_config_add_block(&b, buf, NULL, 0), ==, 0);
        g_assert_cmpmem(&a.blocks[i], sizeof(a.blocks[i]), &b.blocks[i], sizeof(b.blocks[i]));
    }
    for (size_t i = 0; i < a.n_events; i++) {
        kn_sim_event_format(&a.events[i], buf, sizeof(buf));
        g_assert_cmpint(kn_sim_config_add_event(&b, buf, NULL, 0), ==, 0);
        g_assert_cmpmem(&a.events[i], sizeof(a.events[i]), &b.events[i], sizeof(b.events[i]));
    }
    kn_sim_block_format(&a.blocks[1], buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "walk:61:104.5:1.15");
}

static void test_config_sensors(void)
{
    uint32_t s = 0;
    char err[256];

    g_assert_cmpint(kn_sim_sensors_from_string("flex", &s, err, sizeof(err)), ==, 0);
    g_assert_cmpuint(s, ==, KN_HAS_FLEX);
    g_assert_cmpint(kn_sim_sensors_from_string("thigh,shank-accel", &s, err, sizeof(err)), ==, 0);
    g_assert_cmpuint(s, ==, KN_HAS_THIGH_IMU | KN_HAS_SHANK_ACCEL);
    g_assert_cmpint(kn_sim_sensors_from_string("all", &s, err, sizeof(err)), ==, 0);
    g_assert_cmpuint(s, ==, KN_HAS_ALL);
    g_assert_cmpint(kn_sim_sensors_from_string("flex,knee", &s, err, sizeof(err)), ==, -EINVAL);
    g_assert_nonnull(strstr(err, "unknown sensor 'knee'"));
    g_assert_cmpint(kn_sim_sensors_from_string("", &s, err, sizeof(err)), ==, -EINVAL);
    g_assert_cmpint(kn_sim_sensors_from_string("flex,", &s, err, sizeof(err)), ==, -EINVAL);
}

static void expect_invalid(const struct kn_sim_config *c, const char *message)
{
    char err[256] = "";

    g_assert_cmpint(kn_sim_config_validate(c, err, sizeof(err)), ==, -EINVAL);
    if (!strstr(err, message))
        g_error("validation message '%s' lacks '%s'", err, message);
    g_assert_null(kn_sim_new(c));
}

static void test_config_validate(void)
{
    struct kn_sim_config c;

#define CASE(stmt, message) do { kn_sim_config_init(&c); stmt; expect_invalid(&c, message); } while (0)
    CASE(c.rate_hz = 99, "rate 99 Hz is outside 100..1000 Hz");
    CASE(c.rate_hz = 1001, "rate 1001 Hz is outside");
    CASE(c.rate_hz = NAN, "rate nan Hz");
    CASE(c.side = 7, "side 7");
    CASE(c.sensors = 0, "no sensor");
    CASE(c.sensors = 0x40, "unknown one");
    CASE(c.noise = -1, "noise -1");
    CASE(c.gyro_bias_rads = 1, "gyro bias 1 rad/s");
    CASE(c.impact_g = 31, "impact 31 g");
    CASE(c.frontal_deg = 11, "frontal motion 11 deg");
    CASE(c.variability = -0.5, "variability -0.5");
    CASE(c.n_blocks = 0, "no activity block");
    CASE(c.blocks[1].duration_s = 1, "block 2 (run): duration 1 s is outside 2..");
    CASE(c.blocks[1].cadence_spm = 120, "block 2 (run): cadence 120 steps/min is outside 140..220");
    CASE(c.blocks[1].speed_mps = 9, "block 2 (run): speed 9 m/s is outside 1.8..8");
    CASE((c.blocks[1].activity = KN_SIM_WALK, c.blocks[1].cadence_spm = 150),
         "block 2 (walk): cadence 150 steps/min is outside 70..140");
    CASE(config_event(&c, "hyperextension@3"), "time 3 s is not inside a walk or run block");
    CASE(config_event(&c, "locking@306"), "time 306 s is not inside a walk or run block");
    CASE(config_event(&c, "range_loss@400"), "time 400 s is outside the run (0..310 s)");
    CASE(config_event(&c, "giving_way@304"), "less than 2 s before the walking/running ends at 305 s");
    CASE((config_event(&c, "giving_way@100"), config_event(&c, "hyperextension@101.5")),
         "event 2 (hyperextension@101.5:depth=12,speed=400): less than 2 s from event 1 at 100 s");
    CASE(config_event(&c, "hyperextension@20:depth=3"), "depth=3 is outside 5..40 deg");
    CASE(config_event(&c, "hyperextension@20:speed=5000"), "speed=5000 is outside 300..2000 deg/s");
    CASE(config_event(&c, "giving_way@20:valgus=40"), "valgus=40 is outside 0..25 deg");
    CASE(config_event(&c, "locking@20:duration=0.5"), "duration=0.5 is outside 1..600 s");
    CASE(config_event(&c, "range_loss@20:deg=80"), "deg=80 is outside 2..50 deg");
    CASE(config_event(&c, "sleeve_slip@20:deg=0"), "deg=0 is outside -30..30 deg (and not 0)");
#undef CASE

    /* A slip may happen while standing; knee events run across
     * consecutive moving blocks. */
    kn_sim_config_init(&c);
    config_blocks(&c, (const char *const[]) { "stand:10", "run:20", "walk:20", "stand:5", NULL });
    config_event(&c, "sleeve_slip@2");
    config_event(&c, "giving_way@29.5");
    g_assert_cmpint(kn_sim_config_validate(&c, NULL, 0), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/config/defaults", test_config_defaults);
    g_test_add_func("/sim/config/blocks", test_config_blocks);
    g_test_add_func("/sim/config/events", test_config_events);
    g_test_add_func("/sim/config/format", test_config_format);
    g_test_add_func("/sim/config/sensors", test_config_sensors);
    g_test_add_func("/sim/config/validate", test_config_validate);
    return g_test_run();
}
