/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <string.h>

#include "daemon/config.h"
#include "daemon/iio-config.h"
#include "drivers/recording.h"

static const char *const daemon_keys[] = {
    "source", "side", "batch_ms", "publish_hz", "state_dir", NULL
};
static const char *const simulated_keys[] = {
    "rate_hz", "seed", "noise", "gyro_bias_rads", "impact_g", "frontal_deg", "variability",
    "sensors", "blocks", "events", "repeat", "speed", "battery_hours", NULL
};
static const char *const replay_keys[] = {
    "file", "speed", "loop", NULL
};

/* ---- [daemon] ---- */

static gboolean load_daemon(KnConfig *c, GError **error)
{
    const KnKeyFile *f = c->file;
    g_autofree char *source = NULL;
    g_autofree char *side = NULL;
    guint64 batch = c->driver_opts.batch_ms;

    if (!kn_keyfile_check_keys(f, "daemon", daemon_keys, error))
        return FALSE;
    if (!kn_keyfile_get_string(f, "daemon", "source", &source, error))
        return FALSE;
    if (source) {
        c->driver = kn_driver_lookup(source);
        if (!c->driver) {
            g_autoptr(GString) names = g_string_new(NULL);

            for (size_t i = 0; kn_drivers[i]; i++)
                g_string_append_printf(names, "%s%s", i ? ", " : "", kn_drivers[i]->name);
            kn_keyfile_set_error(f, error, "daemon", "source", "unknown source '%s' (%s)",
                                 source, names->str);
            return FALSE;
        }
    }
    if (!kn_keyfile_get_string(f, "daemon", "side", &side, error))
        return FALSE;
    if (side && kn_side_from_string(side, &c->core_opts.params.side) < 0) {
        kn_keyfile_set_error(f, error, "daemon", "side", "'%s' is not left or right", side);
        return FALSE;
    }
    c->driver_opts.side = c->core_opts.params.side;
    if (!kn_keyfile_get_uint(f, "daemon", "batch_ms", 1, 1000, &batch, error))
        return FALSE;
    c->driver_opts.batch_ms = (guint) batch;
    c->core_opts.batch_ms = (guint) batch;
    if (!kn_keyfile_get_string(f, "daemon", "state_dir", &c->state_dir, error))
        return FALSE;
    if (c->state_dir && !g_path_is_absolute(c->state_dir)) {
        kn_keyfile_set_error(f, error, "daemon", "state_dir", "'%s' is not an absolute path",
                             c->state_dir);
        return FALSE;
    }
    return kn_keyfile_get_double(f, "daemon", "publish_hz", 0.1, 50, &c->core_opts.publish_hz,
                                 error);
}

/* ---- [simulated] ---- */

static gboolean load_simulated(KnConfig *c, gboolean selected, GError **error)
{
    const KnKeyFile *f = c->file;
    struct kn_sim_config *sim = &c->driver_opts.sim;
    g_autoptr(GError) local = NULL;
    g_autofree char *sensors = NULL;
    g_auto(GStrv) blocks = NULL;
    g_auto(GStrv) events = NULL;
    guint64 seed = sim->seed;
    gboolean repeat = sim->repeat;
    char msg[256];

    if (!kn_keyfile_check_keys(f, "simulated", simulated_keys, error))
        return FALSE;
    if (!kn_keyfile_get_double(f, "simulated", "rate_hz", 100, 1000, &sim->rate_hz, error) ||
        !kn_keyfile_get_uint(f, "simulated", "seed", 0, G_MAXUINT64, &seed, error) ||
        !kn_keyfile_get_double(f, "simulated", "noise", 0, 10, &sim->noise, error) ||
        !kn_keyfile_get_double(f, "simulated", "gyro_bias_rads", 0, 1, &sim->gyro_bias_rads, error) ||
        !kn_keyfile_get_double(f, "simulated", "impact_g", 0, 50, &sim->impact_g, error) ||
        !kn_keyfile_get_double(f, "simulated", "frontal_deg", 0, 30, &sim->frontal_deg, error) ||
        !kn_keyfile_get_double(f, "simulated", "variability", 0, 10, &sim->variability, error) ||
        !kn_keyfile_get_boolean(f, "simulated", "repeat", &repeat, error) ||
        !kn_keyfile_get_double(f, "simulated", "speed", 0.01, 1000, &c->driver_opts.sim_speed, error) ||
        !kn_keyfile_get_double(f, "simulated", "battery_hours", 0, 10000,
                               &c->driver_opts.sim_battery_hours, error))
        return FALSE;
    sim->seed = seed;
    sim->repeat = repeat;
    /* The model checks blocks and events: only for the source in use. */
    if (!selected)
        return TRUE;

    if (!kn_keyfile_get_string(f, "simulated", "sensors", &sensors, error))
        return FALSE;
    if (sensors) {
        g_autoptr(GString) list = g_string_new(sensors);

        g_string_replace(list, " ", "", 0);
        if (kn_sim_sensors_from_string(list->str, &sim->sensors, msg, sizeof(msg)) < 0) {
            kn_keyfile_set_error(f, error, "simulated", "sensors", "%s", msg);
            return FALSE;
        }
    }

    blocks = kn_keyfile_get_list(f, "simulated", "blocks", &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (blocks) {
        sim->n_blocks = 0;
        for (size_t i = 0; blocks[i]; i++) {
            if (kn_sim_config_add_block(sim, blocks[i], msg, sizeof(msg)) < 0) {
                kn_keyfile_set_error(f, error, "simulated", "blocks", "'%s': %s", blocks[i], msg);
                return FALSE;
            }
        }
    }

    events = kn_keyfile_get_list(f, "simulated", "events", &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    for (size_t i = 0; events && events[i]; i++) {
        if (kn_sim_config_add_event(sim, events[i], msg, sizeof(msg)) < 0) {
            kn_keyfile_set_error(f, error, "simulated", "events", "'%s': %s", events[i], msg);
            return FALSE;
        }
    }
    sim->side = c->driver_opts.side;
    if (kn_sim_config_validate(sim, msg, sizeof(msg)) < 0) {
        kn_keyfile_set_error(f, error, "simulated",
                             kn_keyfile_has_key(f, "simulated", "events") ? "events" : NULL,
                             "%s", msg);
        return FALSE;
    }
    return TRUE;
}

/* ---- [replay] ---- */

static gboolean load_replay(KnConfig *c, gboolean selected, GError **error)
{
    const KnKeyFile *f = c->file;
    g_autoptr(GError) local = NULL;
    g_autoptr(KnRecordingReader) r = NULL;
    g_autofree char *file = NULL;

    if (!kn_keyfile_check_keys(f, "replay", replay_keys, error))
        return FALSE;
    if (!kn_keyfile_get_string(f, "replay", "file", &file, error) ||
        !kn_keyfile_get_double(f, "replay", "speed", 0, 1000, &c->driver_opts.replay_speed, error) ||
        !kn_keyfile_get_boolean(f, "replay", "loop", &c->driver_opts.replay_loop, error))
        return FALSE;
    if (file && !g_path_is_absolute(file)) {
        g_autofree char *dir = kn_keyfile_get_dir(f);
        char *abs = g_build_filename(dir, file, NULL);

        g_free(file);
        file = abs;
    }
    if (!selected)
        return TRUE;
    if (!file) {
        kn_keyfile_set_error(f, error, "replay", "file", "required with source=replay");
        return FALSE;
    }
    /* Open it now: a missing or malformed recording is a configuration
     * error, reported before the daemon claims its bus name. */
    r = kn_recording_reader_open(file, &local);
    if (!r) {
        kn_keyfile_set_error(f, error, "replay", "file", "%s", local->message);
        return FALSE;
    }
    c->driver_opts.replay_file = g_steal_pointer(&file);
    return TRUE;
}

/* ---- thresholds ---- */

/* "hyperextension.angle_deg" -> group "hyperextension", key "angle_deg". */
static gboolean split_key(const char *full, char **ret_group, const char **ret_key)
{
    const char *dot = strchr(full, '.');

    if (!dot)
        return FALSE;
    *ret_group = g_strndup(full, (gsize) (dot - full));
    *ret_key = dot + 1;
    return TRUE;
}

static gboolean is_detector_group(const char *group)
{
    const struct kn_param_info *table;
    size_t n;

    table = kn_params_table(&n);
    for (size_t i = 0; i < n; i++) {
        g_autofree char *g = NULL;
        const char *k;

        if (split_key(table[i].key, &g, &k) && strcmp(g, group) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean load_one_param(KnConfig *c, const struct kn_param_info *info, const char *group,
                               const char *key, GError **error)
{
    double v = kn_params_get(&c->core_opts.params, info->id);

    if (!kn_keyfile_get_double(c->file, group, key, info->min, info->max, &v, error))
        return FALSE;
    if (kn_params_check(info, v) < 0) {
        kn_keyfile_set_error(c->file, error, group, key, "%g is not a whole number", v);
        return FALSE;
    }
    c->core_opts.params.v[info->id] = v;
    return TRUE;
}

static gboolean load_thresholds(KnConfig *c, GError **error)
{
    const KnKeyFile *f = c->file;
    GKeyFile *kf = kn_keyfile_get_keyfile(f);
    const struct kn_param_info *table;
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    const char *bad = NULL;
    size_t n;

    table = kn_params_table(&n);
    /* Unknown keys first, in file order. */
    for (size_t g = 0; groups[g]; g++) {
        g_auto(GStrv) keys = NULL;

        if (strcmp(groups[g], "thresholds") != 0 && !is_detector_group(groups[g]))
            continue;
        keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
        for (size_t k = 0; keys && keys[k]; k++) {
            g_autofree char *full = strcmp(groups[g], "thresholds") == 0
                ? g_strdup(keys[k]) : g_strconcat(groups[g], ".", keys[k], NULL);

            if (!kn_params_lookup(full)) {
                kn_keyfile_set_error(f, error, groups[g], keys[k], "unknown threshold");
                return FALSE;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        g_autofree char *group = NULL;
        const char *key;
        gboolean in_thresholds = kn_keyfile_has_key(f, "thresholds", table[i].key);
        gboolean in_detector;

        if (!split_key(table[i].key, &group, &key))
            continue;
        in_detector = kn_keyfile_has_key(f, group, key);
        if (in_thresholds && in_detector) {
            kn_keyfile_set_error(f, error, group, key, "also set as [thresholds] %s",
                                 table[i].key);
            return FALSE;
        }
        if (in_thresholds && !load_one_param(c, &table[i], "thresholds", table[i].key, error))
            return FALSE;
        if (in_detector && !load_one_param(c, &table[i], group, key, error))
            return FALSE;
    }
    if (kn_params_validate(&c->core_opts.params, &bad) < 0) {
        g_autofree char *group = NULL;
        const char *key = bad;

        if (kn_keyfile_has_key(f, "thresholds", bad))
            group = g_strdup("thresholds");
        else if (!split_key(bad, &group, &key))
            group = g_strdup("thresholds");
        kn_keyfile_set_error(f, error, group, key,
                             "inconsistent with the other thresholds "
                             "(a critical level below its warning level)");
        return FALSE;
    }
    return TRUE;
}

/* ---- the whole file ---- */

static gboolean check_groups(KnConfig *c, const KnConfigGroup *modules, gsize n_modules,
                             GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(kn_keyfile_get_keyfile(c->file), NULL);

    for (size_t g = 0; groups[g]; g++) {
        const char *name = groups[g];
        gboolean known = strcmp(name, "daemon") == 0 || strcmp(name, "simulated") == 0 ||
                         strcmp(name, "replay") == 0 || strcmp(name, "thresholds") == 0 ||
                         KN_IIO_CONFIG_IS_GROUP(name) || is_detector_group(name);

        for (gsize m = 0; !known && m < n_modules; m++) {
            if (strcmp(modules[m].group, name) != 0)
                continue;
            known = TRUE;
            if (modules[m].check &&
                !modules[m].check(c->file, name, modules[m].user_data, error))
                return FALSE;
        }
        if (!known) {
            kn_keyfile_set_error(c->file, error, name, NULL, "unknown section");
            return FALSE;
        }
    }
    return TRUE;
}

static KnConfig *config_from_file(KnKeyFile *file, const KnConfigGroup *modules, gsize n_modules,
                                  GError **error)
{
    g_autoptr(KnConfig) c = g_new0(KnConfig, 1);

    c->file = file;
    if (!c->file)
        return NULL;

    c->driver = kn_drivers[0];
    kn_driver_options_init(&c->driver_opts);
    kn_core_options_init(&c->core_opts);
    /* The daemon streams the simulated sleeve at the rate of the real
     * IMUs unless told otherwise. */
    c->driver_opts.sim.rate_hz = 1000;

    if (!check_groups(c, modules, n_modules, error) ||
        !load_daemon(c, error) ||
        !load_thresholds(c, error) ||
        !load_replay(c, strcmp(c->driver->name, "replay") == 0, error) ||
        !load_simulated(c, strcmp(c->driver->name, "simulated") == 0, error) ||
        !kn_iio_config_load(c->file, &c->driver_opts.iio, strcmp(c->driver->name, "iio") == 0,
                            error))
        return NULL;
    c->driver_opts.sim.side = c->driver_opts.side;
    return g_steal_pointer(&c);
}

KnConfig *kn_config_load(const char *path, const KnConfigGroup *modules, gsize n_modules,
                         GError **error)
{
    KnKeyFile *file;

    if (path)
        file = kn_keyfile_load(path, error);
    else if (g_file_test(KN_CONFIG_DEFAULT_PATH, G_FILE_TEST_EXISTS))
        file = kn_keyfile_load(KN_CONFIG_DEFAULT_PATH, error);
    else
        file = kn_keyfile_new_empty();
    return config_from_file(file, modules, n_modules, error);
}

KnConfig *kn_config_load_data(const char *name, const char *data, gsize len,
                              const KnConfigGroup *modules, gsize n_modules, GError **error)
{
    return config_from_file(kn_keyfile_load_data(name, data, len, error), modules, n_modules,
                            error);
}

void kn_config_free(KnConfig *c)
{
    if (!c)
        return;
    kn_driver_options_clear(&c->driver_opts);
    kn_keyfile_free(c->file);
    g_free(c->state_dir);
    g_free(c);
}

const KnKeyFile *kn_config_get_file(const KnConfig *c)
{
    return c->file;
}

gboolean kn_config_same_source(const KnConfig *a, const KnConfig *b)
{
    const KnDriverOptions *x = &a->driver_opts, *y = &b->driver_opts;

    return a->driver == b->driver && x->batch_ms == y->batch_ms && x->side == y->side &&
           memcmp(&x->sim, &y->sim, sizeof(x->sim)) == 0 &&
           x->sim_speed == y->sim_speed && x->sim_battery_hours == y->sim_battery_hours &&
           g_strcmp0(x->replay_file, y->replay_file) == 0 &&
           x->replay_speed == y->replay_speed && x->replay_loop == y->replay_loop &&
           kn_iio_options_equal(&x->iio, &y->iio) && g_strcmp0(x->state_dir, y->state_dir) == 0;
}

/* ---- printing ---- */

/* Shortest text that reads back as the same double. */
static void append_double(GString *s, double v)
{
    static const char *const formats[] = {
        "%.6g", "%.7g", "%.8g", "%.9g", "%.10g", "%.12g", "%.15g", "%.17g"
    };
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, sizeof(buf), formats[i], v);
        if (g_ascii_strtod(buf, NULL) == v)
            break;
    }
    g_string_append(s, buf);
}

static void append_sensors(GString *s, guint32 bits)
{
    static const struct {
        const char *name;
        guint32 bits;
    } names[] = {
        { "flex", KN_HAS_FLEX },
        { "thigh", KN_HAS_THIGH_IMU },
        { "thigh-accel", KN_HAS_THIGH_ACCEL },
        { "thigh-gyro", KN_HAS_THIGH_GYRO },
        { "shank", KN_HAS_SHANK_IMU },
        { "shank-accel", KN_HAS_SHANK_ACCEL },
        { "shank-gyro", KN_HAS_SHANK_GYRO },
    };
    gboolean first = TRUE;

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if ((bits & names[i].bits) != names[i].bits)
            continue;
        g_string_append_printf(s, "%s%s", first ? "" : ",", names[i].name);
        bits &= ~names[i].bits;
        first = FALSE;
    }
}

static void key_double(GString *s, const char *comment, const char *key, double v)
{
    g_string_append_printf(s, "# %s\n%s = ", comment, key);
    append_double(s, v);
    g_string_append_c(s, '\n');
}

char *kn_config_to_string(const KnConfig *c)
{
    const KnDriverOptions *d = &c->driver_opts;
    const struct kn_sim_config *sim = &d->sim;
    const struct kn_param_info *table;
    g_autoptr(GString) s = g_string_new(NULL);
    g_autoptr(GString) names = g_string_new(NULL);
    g_autofree char *last_group = NULL;
    char buf[128];
    size_t n;

    for (size_t i = 0; kn_drivers[i]; i++)
        g_string_append_printf(names, "%s%s", i ? ", " : "", kn_drivers[i]->name);
    g_string_append(s, "# kneed configuration, kneed.conf(5).  Every key is optional: what is\n"
                       "# absent takes the value shown here.\n\n[daemon]\n");
    g_string_append_printf(s, "# Frame source: %s\nsource = %s\n", names->str, c->driver->name);
    g_string_append_printf(s, "# Leg wearing the sleeve: left or right\nside = %s\n",
                           kn_side_to_string(c->core_opts.params.side));
    g_string_append_printf(s, "# Delivery period of timer-paced sources' batches, ms (1..1000)\n"
                              "batch_ms = %u\n", d->batch_ms);
    key_double(s, "Maximum rate of live metrics on D-Bus and BLE, Hz (0.1..50)", "publish_hz",
               c->core_opts.publish_hz);
    g_string_append_printf(s, "# Where kneed keeps state (the flexion sensor's calibration); "
                              "default /var/lib/kneed,\n# or $XDG_DATA_HOME/kneed with "
                              "--session\n%sstate_dir = %s\n", c->state_dir ? "" : "#",
                           c->state_dir ? c->state_dir : "/var/lib/kneed");

    g_string_append(s, "\n[simulated]\n");
    key_double(s, "Sample rate, Hz (100..1000)", "rate_hz", sim->rate_hz);
    g_string_append_printf(s, "# Random seed: the same seed gives the same run\nseed = %" G_GUINT64_FORMAT "\n",
                           (guint64) sim->seed);
    key_double(s, "Scale of all sensor noise, 0 = ideal sensors, 1 = typical MEMS (0..10)", "noise",
               sim->noise);
    key_double(s, "Largest gyro bias per axis, rad/s (0..1)", "gyro_bias_rads", sim->gyro_bias_rads);
    key_double(s, "Peak shank impact transient while running, g (0..50)", "impact_g", sim->impact_g);
    key_double(s, "Amplitude of the normal varus/valgus motion, deg (0..30)", "frontal_deg",
               sim->frontal_deg);
    key_double(s, "Stride-to-stride variability, 0 = identical strides (0..10)", "variability",
               sim->variability);
    g_string_append(s, "# Sensors: flex, thigh, shank, thigh-accel, thigh-gyro, shank-accel, "
                       "shank-gyro, all\nsensors = ");
    append_sensors(s, sim->sensors);
    g_string_append(s, "\n# Activity blocks: stand:SECONDS; walk|run:SECONDS[:CADENCE_SPM[:SPEED_MPS]]\n"
                       "blocks = ");
    for (size_t i = 0; i < sim->n_blocks; i++) {
        kn_sim_block_format(&sim->blocks[i], buf, sizeof(buf));
        g_string_append_printf(s, "%s%s", i ? "; " : "", buf);
    }
    g_string_append(s, "\n# Scripted events: KIND@SECONDS[:key=value,...]; kinds hyperextension "
                       "(depth, speed),\n# giving_way (depth, valgus), range_loss, locking, "
                       "sleeve_slip (deg, duration)\nevents = ");
    for (size_t i = 0; i < sim->n_events; i++) {
        kn_sim_event_format(&sim->events[i], buf, sizeof(buf));
        g_string_append_printf(s, "%s%s", i ? "; " : "", buf);
    }
    g_string_append_printf(s, "\n# Start over at the end of the blocks (events happen in the "
                              "first pass only)\nrepeat = %s\n", sim->repeat ? "true" : "false");
    key_double(s, "Pace: 1 = real time (0.01..1000)", "speed", d->sim_speed);
    key_double(s, "Simulated battery life, hours; 0 = no battery (0..10000)", "battery_hours",
               d->sim_battery_hours);

    g_string_append(s, "\n[replay]\n# Recording (format v1) to replay; relative to this file's "
                       "directory\n");
    g_string_append_printf(s, "%sfile = %s\n", d->replay_file ? "" : "#",
                           d->replay_file ? d->replay_file : "run.csv");
    key_double(s, "Pace: 1 = real time, 0 = as fast as possible (0..1000)", "speed", d->replay_speed);
    g_string_append_printf(s, "# Start over at the end\nloop = %s\n",
                           d->replay_loop ? "true" : "false");
    kn_iio_config_print(s, &d->iio);

    g_string_append(s, "\n# Detector thresholds, one section per detector (or all of them in\n"
                       "# [thresholds] as section.key = value).  docs/detectors.md explains the\n"
                       "# defaults.\n");
    table = kn_params_table(&n);
    for (size_t i = 0; i < n; i++) {
        g_autofree char *group = NULL;
        const char *key;

        if (!split_key(table[i].key, &group, &key))
            continue;
        if (g_strcmp0(group, last_group) != 0) {
            g_string_append_printf(s, "\n[%s]\n", group);
            g_free(last_group);
            last_group = g_strdup(group);
        }
        g_string_append_printf(s, "# %s (%s, ", table[i].summary, table[i].unit);
        append_double(s, table[i].min);
        g_string_append(s, "..");
        append_double(s, table[i].max);
        g_string_append_printf(s, "%s)\n%s = ", table[i].kind == KN_PARAM_INTEGER ? ", whole" : "",
                               key);
        append_double(s, kn_params_get(&c->core_opts.params, table[i].id));
        g_string_append_c(s, '\n');
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}
