/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "kneed"

#include <errno.h>
#include <string.h>

#include "daemon/iio-config.h"
#include "drivers/driver.h"

#define RATE_MIN_HZ 1.0
#define RATE_MAX_HZ 10000.0

static const char *const imu_keys[] = {
    "device", "bus", "gyro_device", "gyro_bus", "rate_hz", "trigger", "mount_matrix", NULL
};
static const char *const flex_keys[] = {
    "device", "bus", "channel", "rate_hz", "trigger", "calibration", NULL
};

/* A name or a path fragment: not empty, no blanks. */
static gboolean check_word(const KnKeyFile *f, const char *group, const char *key,
                           const char *value, GError **error)
{
    if (!value)
        return TRUE;
    if (!*value) {
        kn_keyfile_set_error(f, error, group, key, "empty");
        return FALSE;
    }
    for (const char *p = value; *p; p++) {
        if (g_ascii_isspace(*p) || g_ascii_iscntrl(*p)) {
            kn_keyfile_set_error(f, error, group, key, "'%s' has blanks in it", value);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean load_section(const KnKeyFile *f, KnSensorId id, KnIioSensorOptions *o,
                             GError **error)
{
    const char *group = kn_sensor_id_to_string(id);
    gboolean imu = id != KN_SENSOR_FLEX;
    g_auto(GStrv) keys = g_key_file_get_keys(kn_keyfile_get_keyfile(f), group, NULL, NULL);
    g_autofree char *matrix = NULL;
    g_autofree char *calibration = NULL;
    char msg[256];

    if (!keys || !keys[0])
        return TRUE;
    if (!kn_keyfile_check_keys(f, group, imu ? imu_keys : flex_keys, error))
        return FALSE;
    if (!kn_keyfile_get_string(f, group, "device", &o->device, error) ||
        !kn_keyfile_get_string(f, group, "bus", &o->bus, error) ||
        !kn_keyfile_get_string(f, group, "trigger", &o->trigger, error) ||
        !kn_keyfile_get_double(f, group, "rate_hz", RATE_MIN_HZ, RATE_MAX_HZ, &o->rate_hz, error))
        return FALSE;
    if (imu && (!kn_keyfile_get_string(f, group, "gyro_device", &o->gyro_device, error) ||
                !kn_keyfile_get_string(f, group, "gyro_bus", &o->gyro_bus, error) ||
                !kn_keyfile_get_string(f, group, "mount_matrix", &matrix, error)))
        return FALSE;
    if (!imu && (!kn_keyfile_get_string(f, group, "channel", &o->channel, error) ||
                 !kn_keyfile_get_string(f, group, "calibration", &calibration, error)))
        return FALSE;
    if (!o->device) {
        kn_keyfile_set_error(f, error, group, "device",
                             "required: the IIO device's label or name (the 'name' file in "
                             "/sys/bus/iio/devices/iio:deviceN/)");
        return FALSE;
    }
    if (!check_word(f, group, "device", o->device, error) ||
        !check_word(f, group, "bus", o->bus, error) ||
        !check_word(f, group, "gyro_device", o->gyro_device, error) ||
        !check_word(f, group, "gyro_bus", o->gyro_bus, error) ||
        !check_word(f, group, "channel", o->channel, error) ||
        !check_word(f, group, "trigger", o->trigger, error))
        return FALSE;
    if (o->trigger && strchr(o->trigger, '/')) {
        kn_keyfile_set_error(f, error, group, "trigger",
                             "'%s': a trigger's name (hrt0), own or none, not a path", o->trigger);
        return FALSE;
    }
    if (o->gyro_bus && !o->gyro_device) {
        kn_keyfile_set_error(f, error, group, "gyro_bus", "only with gyro_device");
        return FALSE;
    }
    if (o->gyro_device && strcmp(o->gyro_device, o->device) == 0 &&
        g_strcmp0(o->gyro_bus ? o->gyro_bus : o->bus, o->bus) == 0) {
        kn_keyfile_set_error(f, error, group, "gyro_device",
                             "the same device as device: leave gyro_device out when one "
                             "device has both");
        return FALSE;
    }
    if (matrix) {
        int r = kn_mount_matrix_parse(matrix, &o->mount_matrix);

        if (r == -EDOM) {
            kn_keyfile_set_error(f, error, group, "mount_matrix",
                                 "'%s' is not a rotation (rows of unit length, at right angles, "
                                 "determinant +1; a left leg needs no mirroring: [daemon] side "
                                 "does that)", matrix);
            return FALSE;
        }
        if (r < 0) {
            kn_keyfile_set_error(f, error, group, "mount_matrix",
                                 "'%s' is not nine numbers 'x1, y1, z1; x2, y2, z2; x3, y3, z3'",
                                 matrix);
            return FALSE;
        }
        o->has_mount_matrix = TRUE;
    }
    if (calibration && kn_flex_cal_parse(calibration, &o->calibration, msg, sizeof(msg)) < 0) {
        kn_keyfile_set_error(f, error, group, "calibration", "%s", msg);
        return FALSE;
    }
    if (!imu && !o->channel)
        o->channel = g_strdup("voltage0");
    for (int k = 0; k < KN_IIO_KEY_COUNT; k++) {
        g_free(o->origin[k]);
        o->origin[k] = kn_keyfile_describe(f, group, kn_iio_key_name((KnIioKey) k));
    }
    o->enabled = TRUE;
    return TRUE;
}

gboolean kn_iio_config_load(const KnKeyFile *file, KnIioOptions *opts, gboolean selected,
                            GError **error)
{
    g_autoptr(GError) local = NULL;
    gboolean any = FALSE;

    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        if (!load_section(file, (KnSensorId) i, &opts->sensor[i], error))
            return FALSE;
        any |= opts->sensor[i].enabled;
    }
    if (!selected)
        return TRUE;
    if (!any) {
        kn_keyfile_set_error(file, error, "daemon", "source",
                             "iio needs a device in at least one of [flex], [thigh], [shank]");
        return FALSE;
    }
    /* Before the bus name is claimed: a device that is there but does not
     * match its section is a configuration error. */
    if (!kn_iio_options_check(opts, &local)) {
        g_set_error(error, KN_CONFIG_ERROR, KN_CONFIG_ERROR_INVALID, "%s", local->message);
        return FALSE;
    }
    return TRUE;
}

static void print_key(GString *s, gboolean set, const char *key, const char *value,
                      const char *example)
{
    if (set)
        g_string_append_printf(s, "%s = %s\n", key, value);
    else
        g_string_append_printf(s, "#%s = %s\n", key, example);
}

void kn_iio_config_print(GString *s, const KnIioOptions *opts)
{
    static const char *const example_device[KN_SENSOR_COUNT] = { "ads1015", "bmi160", "bmi160" };
    static const char *const example_bus[KN_SENSOR_COUNT] = { "1-0048", "1-0068", "1-0069" };
    char rate[G_ASCII_DTOSTR_BUF_SIZE];

    g_string_append(s, "\n# The sensors of source = iio (docs/iio.md; README, \"Sensors\").  A "
                       "section without\n# device is not used.\n");
    for (int i = 0; i < KN_SENSOR_COUNT; i++) {
        const KnIioSensorOptions *o = &opts->sensor[i];
        gboolean on = o->enabled;
        g_autofree char *matrix = kn_mount_matrix_to_string(&o->mount_matrix);
        g_autofree char *cal = kn_flex_cal_to_string(&o->calibration);

        g_ascii_formatd(rate, sizeof(rate), "%g", o->rate_hz);
        g_string_append_printf(s, "\n[%s]\n", kn_sensor_id_to_string((KnSensorId) i));
        g_string_append(s, "# IIO device: its label (device tree) or name (/sys/bus/iio/devices/"
                           "*/name)\n");
        print_key(s, on, "device", o->device, example_device[i]);
        g_string_append(s, "# Part of its sysfs path, to tell identical chips apart\n");
        print_key(s, on && o->bus, "bus", o->bus, example_bus[i]);
        if (i != KN_SENSOR_FLEX) {
            g_string_append(s, "# The gyroscope's own device when it has one (lsm6dsl_gyro); "
                               "gyro_bus likewise\n");
            print_key(s, on && o->gyro_device, "gyro_device", o->gyro_device, "lsm6dsl_gyro");
            print_key(s, on && o->gyro_bus, "gyro_bus", o->gyro_bus, example_bus[i]);
        } else {
            g_string_append(s, "# ADC channel of the flexion sensor (voltage0 = AIN0)\n");
            print_key(s, on, "channel", o->channel, "voltage0");
        }
        g_string_append(s, "# Sample rate, Hz (1..10000): the nearest the device supports is "
                           "taken\n");
        print_key(s, on, "rate_hz", rate, rate);
        g_string_append(s, "# Trigger: own (the device's data-ready), none, or a trigger's name "
                           "(hrtimer);\n# default: the current one, else the device's own\n");
        print_key(s, on && o->trigger, "trigger", o->trigger, "hrt0");
        if (i != KN_SENSOR_FLEX) {
            g_string_append(s, "# The chip's axes in the segment frame (x forward, y up, z "
                               "right), rows 'x1, y1, z1; ...';\n# default: the kernel's "
                               "mount matrix\n");
            print_key(s, on && o->has_mount_matrix, "mount_matrix", matrix,
                      "1, 0, 0; 0, 1, 0; 0, 0, 1");
        } else {
            g_string_append(s, "# RAW:DEG points, e.g. raw at 0 deg and at 90 deg; kneectl "
                               "calibrate flex stores\n# its own in the state directory, which "
                               "wins\n");
            print_key(s, on && o->calibration.n > 0, "calibration", cal, "1200:0, 2400:90");
        }
    }
}
