/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Time per frame of the full analysis (flex sensor + two IMUs, fused),
 * on simulated running at 200 Hz and 1 kHz: ns/frame, multiples of real
 * time, and the memory the analysis holds.  Frames are generated before
 * the clock starts, so only the analysis is timed.
 *
 *   KNEED_BENCH_SECONDS  simulated seconds per rate (default 600)
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "analysis/analysis.h"
#include "drivers/sim-model.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned strides, alerts;

static void on_stride(const struct kn_stride *s, void *u) { strides++; }
static void on_alert(const struct kn_alert *a, void *u) { alerts++; }

static int run(double rate_hz, double seconds)
{
    struct kn_sim_config c;
    struct kn_sim *sim;
    struct kn_frame *frames;
    size_t n = 0, cap = (size_t) (rate_hz * (seconds + 20)) + 16;
    struct mallinfo2 m0, m1;
    struct kn_analysis *a;
    double best = INFINITY;
    char err[256], block[64];

    kn_sim_config_init(&c);
    c.rate_hz = rate_hz;
    c.n_blocks = 0;
    snprintf(block, sizeof(block), "run:%g:172:3.4", seconds);
    if (kn_sim_config_add_block(&c, "stand:5", err, sizeof(err)) < 0 ||
        kn_sim_config_add_block(&c, block, err, sizeof(err)) < 0 ||
        kn_sim_config_add_block(&c, "stand:5", err, sizeof(err)) < 0) {
        fprintf(stderr, "bench-analysis: %s\n", err);
        return 1;
    }
    sim = kn_sim_new(&c);
    frames = malloc(cap * sizeof(*frames));
    if (!sim || !frames) {
        fprintf(stderr, "bench-analysis: cannot set up the simulation\n");
        return 1;
    }
    while (n < cap && kn_sim_next(sim, &frames[n], NULL))
        n++;
    kn_sim_free(sim);

    m0 = mallinfo2();
    a = kn_analysis_new(NULL);
    m1 = mallinfo2();
    kn_analysis_set_callbacks(a, on_stride, on_alert, NULL);
    /* best of seven passes over the same frames: a pass at 200 Hz lasts
     * ~60 ms, and a virtual machine's scheduling noise is larger */
    for (int pass = 0; pass < 7; pass++) {
        double t0;

        kn_analysis_reset(a);
        strides = alerts = 0;
        t0 = now_s();
        for (size_t i = 0; i < n; i++)
            kn_analysis_push(a, &frames[i]);
        best = fmin(best, now_s() - t0);
    }
    printf("analysis @ %4.0f Hz: %zu frames (%.0f s simulated), %u strides, %u alerts\n"
           "    %.0f ns/frame, %.0fx real time, analysis state %zu bytes\n",
           rate_hz, n, n / rate_hz, strides, alerts, 1e9 * best / n, (n / rate_hz) / best,
           (size_t) ((m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd)));
    kn_analysis_free(a);
    free(frames);
    return 0;
}

int main(void)
{
    const char *env = getenv("KNEED_BENCH_SECONDS");
    double seconds = env ? atof(env) : 600;
    struct rusage ru;

    if (!(seconds > 0)) {
        fprintf(stderr, "bench-analysis: KNEED_BENCH_SECONDS must be positive\n");
        return 2;
    }
    if (run(200, seconds) || run(1000, seconds))
        return 1;
    getrusage(RUSAGE_SELF, &ru);
    printf("    peak RSS of the benchmark process (frames held in memory): %ld kB\n", ru.ru_maxrss);
    return 0;
}
