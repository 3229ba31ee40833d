/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cost of the simulated sleeve: ns per kn_sim_next() (all sensors, noise
 * on) at 200 Hz and 1 kHz, and with the truth requested or not.  The
 * tests generate 30-minute 1 kHz runs with it, and the daemon's sim
 * driver calls it in real time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "drivers/sim-model.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void run(const char *label, double rate_hz, double noise, bool truth)
{
    struct kn_sim_config c;
    struct kn_sim *s;
    struct kn_frame f;
    struct kn_sim_truth t;
    unsigned long n = 0;
    double t0, t1, sink = 0;

    kn_sim_config_init(&c);
    c.rate_hz = rate_hz;
    c.noise = noise;
    c.n_blocks = 0;
    kn_sim_config_add_block(&c, "stand:5", NULL, 0);
    kn_sim_config_add_block(&c, "run:1790:170:3.3", NULL, 0);
    kn_sim_config_add_block(&c, "stand:5", NULL, 0);
    s = kn_sim_new(&c);
    if (!s) {
        fprintf(stderr, "bench-sim: kn_sim_new failed\n");
        exit(1);
    }
    t0 = now_s();
    while (kn_sim_next(s, &f, truth ? &t : NULL)) {
        sink += f.shank_accel[1];
        n++;
    }
    t1 = now_s();
    kn_sim_free(s);
    printf("%-34s %8lu frames  %6.1f ns/frame  %8.0fx real time%s\n", label, n,
           (t1 - t0) / n * 1e9, n / rate_hz / (t1 - t0), sink == 0 ? " (?)" : "");
}

int main(void)
{
    printf("kn_sim_next, 30-minute run, all sensors:\n");
    run("200 Hz, noise 1, with truth", 200, 1, true);
    run("200 Hz, noise 1, no truth", 200, 1, false);
    run("200 Hz, noise 0 (ideal sensors)", 200, 0, true);
    run("1 kHz, noise 1, with truth", 1000, 1, true);
    return 0;
}
