/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The method calls of org.kneed.Kneed1.Daemon (docs/dbus-api.md) as the
 * D-Bus API handles them, without a bus: the input is a method's name,
 * a NUL and its arguments as a serialised GVariant of the method's input
 * signature (read from the introspection XML, so a new method is found
 * too) (GDBus hands kneed nothing but well-typed
 * values; every value of the type is reachable this way).  The arguments
 * go through daemon/dbus-args.c and into the core's control functions,
 * which validate them; whatever they accept, the core's thresholds stay
 * consistent.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "daemon/core.h"
#include "daemon/dbus-args.h"
#include "daemon/publisher.h"
#include "dbus/kneed-dbus-generated.h"
#include "fuzz/fuzz.h"

static KnCore *core;
static GDBusInterfaceInfo *info;

/* Methods the target does not call, and why.  Every other method must
 * have a case in call(): LLVMFuzzerInitialize() checks. */
static const char *const not_called[] = {
    "Calibrate",             /* no arguments; answers from the frame stream */
    "GetThresholds",         /* no arguments, reads only */
    "DescribeThresholds",    /* no arguments, reads only */
    "ListPainMarks",         /* no arguments, reads only */
    "MeasureFlex",           /* no arguments; answers from a second of the sensor */
    "GetFlexCalibration",    /* no arguments, reads only */
    "OpenFrameStream",       /* no arguments; needs the caller's credentials from a bus */
    NULL
};

/* A publisher that checks what the core hands to every publisher, and
 * drives an actuator (so Identify can succeed). */
static void on_alert(gpointer data, const KnAlertEvent *ev)
{
    FUZZ_CHECK(ev->alert.kind == KN_ALERT_PAIN && ev->pain);
    FUZZ_CHECK(ev->alert.severity == KN_SEVERITY_CRITICAL);
    FUZZ_CHECK(ev->pain->score > KN_PAIN_RED_FLAG_ABOVE && ev->pain->score <= KN_PAIN_SCORE_MAX);
    FUZZ_CHECK(ev->alert.value == ev->pain->score);
}

static void on_pain(gpointer data, const KnPainReport *p)
{
    FUZZ_CHECK(p->score <= KN_PAIN_SCORE_MAX);
    FUZZ_CHECK(kn_pain_location_to_string(p->location) && kn_pain_timing_to_string(p->timing));
    FUZZ_CHECK(strlen(p->note) <= KN_PAIN_NOTE_MAX && g_utf8_validate(p->note, -1, NULL));
}

static void on_identify(gpointer data, guint duration_ms)
{
    FUZZ_CHECK(duration_ms >= 1 && duration_ms <= 10000);
}

static const KnPublisherOps checker = {
    .name = "fuzz",
    .alert = on_alert,
    .pain = on_pain,
    .identify = on_identify,
};

static gboolean call(const char *method, GVariant *args, GError **error)
{
    if (g_str_equal(method, "ReportPain")) {
        const char *location, *timing, *note;
        KnPainLocation where;
        KnPainTiming when;
        guint32 score;
        guint64 seq;

        g_variant_get(args, "(u&s&s&s)", &score, &location, &timing, &note);
        return kn_dbus_args_pain(location, timing, &where, &when, error) &&
               kn_core_report_pain(core, score, where, when, note, &seq, error);
    }
    if (g_str_equal(method, "MarkPain")) {
        guint64 id;

        return kn_core_mark_pain(core, 0, &id, error);
    }
    if (g_str_equal(method, "ScorePainMark")) {
        const char *location, *timing, *note;
        KnPainLocation where;
        KnPainTiming when;
        guint64 mark, seq;
        guint32 score;

        g_variant_get(args, "(tu&s&s&s)", &mark, &score, &location, &timing, &note);
        return kn_dbus_args_pain(location, timing, &where, &when, error) &&
               kn_core_score_pain_mark(core, mark, score, where, when, note, &seq, error);
    }
    if (g_str_equal(method, "SetThresholds")) {
        g_autoptr(GVariant) dict = g_variant_get_child_value(args, 0);
        g_autoptr(GArray) updates = NULL;

        return kn_dbus_args_thresholds(dict, &updates, error) &&
               kn_core_set_thresholds(core, (const KnThresholdUpdate *) updates->data,
                                      updates->len, error);
    }
    if (g_str_equal(method, "SetTime")) {
        gint64 us;

        g_variant_get(args, "(x)", &us);
        return kn_core_set_wall_clock(core, us, error);
    }
    if (g_str_equal(method, "Identify")) {
        guint32 ms;

        g_variant_get(args, "(u)", &ms);
        return kn_core_identify(core, ms, error);
    }
    if (g_str_equal(method, "StartCoaching")) {
        double spm;

        g_variant_get(args, "(d)", &spm);
        return kn_core_start_coaching(core, spm, error);
    }
    if (g_str_equal(method, "OpenPairingWindow")) {
        guint32 s;

        g_variant_get(args, "(u)", &s);
        return kn_core_open_pairing_window(core, s, error);
    }
    if (g_str_equal(method, "SetFlexCalibration")) {
        g_autoptr(GVariant) points = g_variant_get_child_value(args, 0);
        KnFlexCal cal;
        char msg[256];

        if (!kn_dbus_args_flex_points(points, &cal, error))
            return FALSE;
        FUZZ_CHECK(cal.n <= KN_FLEX_CAL_MAX_POINTS);
        /* What the driver will check (this core has no source to store it). */
        if (kn_flex_cal_validate(&cal, msg, sizeof(msg)) == 0) {
            FUZZ_CHECK(cal.n >= 2);
            for (guint i = 1; i < cal.n; i++)
                FUZZ_CHECK(cal.p[i].raw > cal.p[i - 1].raw);
            FUZZ_CHECK(isfinite(kn_flex_cal_apply(&cal, cal.p[0].raw)));
        }
        return kn_core_set_flex_calibration(core, &cal, error);
    }
    if (g_str_equal(method, "StartSession"))
        return kn_core_start_session(core, NULL, error);
    if (g_str_equal(method, "StopSession"))
        return kn_core_stop_session(core, NULL, error);
    if (g_str_equal(method, "StopCoaching")) {
        kn_core_stop_coaching(core);
        return TRUE;
    }
    if (g_str_equal(method, "ClosePairingWindow")) {
        kn_core_close_pairing_window(core);
        return TRUE;
    }
    fprintf(stderr, "fuzz-dbus.c: method %s has no case: add it to call() or to not_called\n",
            method);
    abort();
}

static GVariantType *in_type(const GDBusMethodInfo *m)
{
    g_autoptr(GString) sig = g_string_new("(");

    for (guint i = 0; m->in_args && m->in_args[i]; i++)
        g_string_append(sig, m->in_args[i]->signature);
    g_string_append_c(sig, ')');
    return g_variant_type_new(sig->str);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    KnCoreOptions opts;

    fuzz_quiet_glib_log();
    kn_core_options_init(&opts);
    core = kn_core_new(&opts, &error);
    FUZZ_CHECK(core != NULL);
    kn_core_add_publisher(core, &checker, NULL, NULL);
    info = kn_dbus_daemon_interface_info();
    /* every method is called, or listed with its reason */
    for (guint i = 0; info->methods[i]; i++) {
        const char *name = info->methods[i]->name;

        if (!g_strv_contains(not_called, name)) {
            g_autoptr(GVariantType) t = in_type(info->methods[i]);
            g_autoptr(GVariant) zero = g_variant_ref_sink(g_variant_new_from_data(t, NULL, 0,
                                                                                FALSE, NULL, NULL));
            g_autoptr(GError) e = NULL;

            call(name, zero, &e);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariantType) type = NULL;
    g_autoptr(GVariant) args = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *name = NULL;
    const GDBusMethodInfo *m;
    const char *bad = NULL;
    const uint8_t *nul = memchr(data, '\0', size);

    /* the method's name, a NUL, its arguments: seeds stay valid when the
     * interface gains methods */
    if (!nul)
        return 0;
    name = g_strndup((const char *) data, (gsize) (nul - data));
    m = g_dbus_interface_info_lookup_method(info, name);
    if (!m || g_strv_contains(not_called, m->name))
        return 0;
    type = in_type(m);
    bytes = g_bytes_new(nul + 1, size - (size_t) (nul + 1 - data));
    /* untrusted: GVariant checks the serialisation as it reads it */
    args = g_variant_ref_sink(g_variant_new_from_bytes(type, bytes, FALSE));
    if (!call(m->name, args, &error)) {
        FUZZ_CHECK(error != NULL && error->domain == KN_ERROR);
        FUZZ_CHECK(kn_error_to_dbus_name(error->code) != NULL);
    }
    FUZZ_CHECK(kn_params_validate(kn_core_get_params(core), &bad) == 0);
    return 0;
}
