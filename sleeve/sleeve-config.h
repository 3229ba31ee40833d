/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sleeve's sections of kneed.conf, [button], [haptic] and [led]
 * (kneed.conf(5), docs/sleeve.md): one settings type and one validator
 * for the three, read with the daemon/keyfile.h helpers so that every
 * error names file, line, section and key.  Only the text is checked
 * here; whether the chip and the line exist is found when kneed opens
 * them (sleeve/sleeve.h).
 */
#pragma once

#include "analysis/events.h"
#include "daemon/config.h"
#include "sleeve/button.h"
#include "sleeve/gpio.h"

G_BEGIN_DECLS

#define KN_SLEEVE_GROUP_BUTTON "button"
#define KN_SLEEVE_GROUP_HAPTIC "haptic"
#define KN_SLEEVE_GROUP_LED "led"

typedef struct {
    gboolean configured;          /* the section names a line */
    char *chip;                   /* NULL: look for the line's name on every chip */
    char *name;                   /* NULL: by offset */
    guint offset;
    gboolean active_low;
    KnGpioBias bias;              /* [button] only */
} KnSleeveLineSettings;

typedef struct {
    KnSleeveLineSettings button;
    KnSleeveLineSettings haptic;
    KnSleeveLineSettings led;
    struct kn_button_config gestures;
    gboolean haptic_alerts_on;    /* [haptic] alerts != none */
    enum kn_severity haptic_min_severity;
    gboolean metronome;
} KnSleeveSettings;

void kn_sleeve_settings_init(KnSleeveSettings *s);
void kn_sleeve_settings_clear(KnSleeveSettings *s);
/* Reads and checks the three sections (absent keys keep their defaults).
 * On error *s is left as it was. */
gboolean kn_sleeve_settings_load(KnSleeveSettings *s, const KnKeyFile *file, GError **error);
gboolean kn_sleeve_settings_equal(const KnSleeveSettings *a, const KnSleeveSettings *b);
/* A spec for sleeve/gpio.h (pointers into ls). */
void kn_sleeve_line_spec(const KnSleeveLineSettings *ls, KnGpioLineSpec *ret);

/* The keys tables (daemon/config.h) of the three groups. */
extern const KnConfigKey kn_sleeve_button_keys[];
extern const KnConfigKey kn_sleeve_haptic_keys[];
extern const KnConfigKey kn_sleeve_led_keys[];

/* KnConfigGroup check function, for each of the three groups. */
gboolean kn_sleeve_settings_check_group(const KnKeyFile *file, const char *group,
                                        gpointer user_data, GError **error);

G_END_DECLS
