/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The English of the alert message codes (analysis/alert-text.c). */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "analysis/alert-text.h"

static void test_every_code(void)
{
    char buf[KN_ALERT_TEXT_MAX];

    for (int m = KN_MSG_NONE + 1; m < KN_MSG_COUNT; m++) {
        /* large numbers: the longest each sentence gets */
        struct kn_alert a = { .message = (enum kn_alert_message) m, .value = -9999.9,
                              .threshold = -9999.9, .arg = -9999.9 };

        kn_alert_text(&a, buf, sizeof(buf));
        g_test_message("%d %s: %s", m, kn_alert_message_to_string(a.message), buf);
        g_assert_cmpuint(strlen(buf), >, 40);
        g_assert_true(g_utf8_validate(buf, -1, NULL));
        g_assert_cmpstr(kn_alert_message_to_string(a.message), !=, "none");
    }
    for (int m = KN_MSG_NONE; m <= KN_MSG_COUNT; m += KN_MSG_COUNT) {
        struct kn_alert a = { .message = (enum kn_alert_message) m };

        g_assert_cmpstr(kn_alert_text(&a, buf, sizeof(buf)), ==, "");
        g_assert_cmpstr(kn_alert_message_to_string(a.message), ==, "none");
    }
}

/* The numbers each sentence shows, from the alert's fields. */
static void test_numbers(void)
{
    char buf[KN_ALERT_TEXT_MAX];
    struct kn_alert a = { .message = KN_MSG_RANGE_LOSS, .value = 11.2, .threshold = 10, .arg = 8.6 };

    kn_alert_text(&a, buf, sizeof(buf));
    g_assert_nonnull(strstr(buf, "Knee range is 11° below"));
    g_assert_nonnull(strstr(buf, "(bend -9°, straightening -3°)"));
    a = (struct kn_alert) { .message = KN_MSG_LOW_CADENCE, .value = 159.6, .threshold = 160, .arg = 172 };
    kn_alert_text(&a, buf, sizeof(buf));
    g_assert_cmpstr(buf, ==, "Cadence 159 steps/min, under 160. Quicker, shorter steps ease the knee: "
                             "try about 172 (+5-10%), built up over a few weeks.");
    a = (struct kn_alert) { .message = KN_MSG_LOCKING, .value = 21.4, .arg = 3 };
    g_assert_nonnull(strstr(kn_alert_text(&a, buf, sizeof(buf)), "for 3 strides (21° short)"));
    a = (struct kn_alert) { .message = KN_MSG_SEVERE_PAIN, .value = 9 };
    g_assert_true(g_str_has_prefix(kn_alert_text(&a, buf, sizeof(buf)), "Severe pain (9/10)"));
}

/* Too small a buffer: cut on a character boundary, never half a "°". */
static void test_truncation(void)
{
    struct kn_alert a = { .message = KN_MSG_HYPEREXTENSION, .value = 7, .arg = 410 };
    char full[KN_ALERT_TEXT_MAX], buf[KN_ALERT_TEXT_MAX];
    const char *deg = strstr(kn_alert_text(&a, full, sizeof(full)), "°");
    size_t at = (size_t) (deg - full);

    /* a buffer that ends inside the two bytes of the first "°", and
     * one that holds it whole */
    kn_alert_text(&a, buf, at + 2);
    g_assert_cmpuint(strlen(buf), ==, at);
    g_assert_true(g_utf8_validate(buf, -1, NULL));
    kn_alert_text(&a, buf, at + 3);
    g_assert_cmpuint(strlen(buf), ==, at + 2);
    g_assert_true(g_str_has_suffix(buf, "°"));
    kn_alert_text(&a, buf, 1);
    g_assert_cmpstr(buf, ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/alert-text/every-code", test_every_code);
    g_test_add_func("/alert-text/numbers", test_numbers);
    g_test_add_func("/alert-text/truncation", test_truncation);
    return g_test_run();
}
