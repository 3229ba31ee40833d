/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Second-order jets: a quantity together with its first and second time
 * derivatives, propagated exactly through sums, products and smooth
 * functions (forward-mode automatic differentiation).  The simulated
 * sleeve computes every angle and position as a jet, so gyroscope
 * (first derivative) and accelerometer (second derivative) signals are
 * analytic and consistent with the kinematics by construction, including
 * during blends between activities and scripted events.
 */
#pragma once

#include <math.h>

struct kn_jet {
    double v;     /* value */
    double d;     /* d/dt */
    double dd;    /* d2/dt2 */
};

static inline struct kn_jet kn_jet_const(double v)
{
    return (struct kn_jet) { v, 0, 0 };
}

static inline struct kn_jet kn_jet_add(struct kn_jet a, struct kn_jet b)
{
    return (struct kn_jet) { a.v + b.v, a.d + b.d, a.dd + b.dd };
}

static inline struct kn_jet kn_jet_sub(struct kn_jet a, struct kn_jet b)
{
    return (struct kn_jet) { a.v - b.v, a.d - b.d, a.dd - b.dd };
}

static inline struct kn_jet kn_jet_scale(struct kn_jet a, double k)
{
    return (struct kn_jet) { a.v * k, a.d * k, a.dd * k };
}

static inline struct kn_jet kn_jet_mul(struct kn_jet a, struct kn_jet b)
{
    return (struct kn_jet) {
        a.v * b.v,
        a.d * b.v + a.v * b.d,
        a.dd * b.v + 2 * a.d * b.d + a.v * b.dd,
    };
}

/* a + w (b - a) */
static inline struct kn_jet kn_jet_lerp(struct kn_jet a, struct kn_jet b, struct kn_jet w)
{
    return kn_jet_add(a, kn_jet_mul(w, kn_jet_sub(b, a)));
}

/* f(x(t)) given f(x), f'(x), f''(x). */
static inline struct kn_jet kn_jet_compose(double f, double fp, double fpp, struct kn_jet x)
{
    return (struct kn_jet) { f, fp * x.d, fpp * x.d * x.d + fp * x.dd };
}

static inline void kn_jet_sincos(struct kn_jet x, struct kn_jet *ret_sin, struct kn_jet *ret_cos)
{
    double s = sin(x.v), c = cos(x.v);

    *ret_sin = kn_jet_compose(s, c, -s, x);
    *ret_cos = kn_jet_compose(c, -s, -c, x);
}

/* Quintic smoothstep 6u^5 - 15u^4 + 10u^3 on [0, 1], clamped outside:
 * zero first and second derivatives at both ends, so blends built on it
 * keep accelerations continuous. */
static inline struct kn_jet kn_smoothstep(double t, double t0, double span)
{
    double u = (t - t0) / span;

    if (u <= 0)
        return kn_jet_const(0);
    if (u >= 1)
        return kn_jet_const(1);
    double u2 = u * u, u3 = u2 * u;
    double f = u3 * (u * (6 * u - 15) + 10);
    double fp = 30 * u2 * (u - 1) * (u - 1);
    double fpp = 60 * u * (u - 1) * (2 * u - 1);
    return (struct kn_jet) { f, fp / span, fpp / (span * span) };
}

/* Integral of the smoothstep over [0, u], u in [0, 1]. */
static inline double kn_smoothstep_integral(double u)
{
    if (u <= 0)
        return 0;
    if (u >= 1)
        return u - 0.5;
    return u * u * u * u * (u * (u - 3) + 2.5);
}

/* A plateau: rises 0 -> 1 over [t0, t0 + rise], holds for hold seconds,
 * falls back to 0 over fall seconds. */
static inline struct kn_jet kn_plateau(double t, double t0, double rise, double hold, double fall)
{
    double t_fall = t0 + rise + hold;

    if (t < t_fall)
        return kn_smoothstep(t, t0, rise);
    struct kn_jet down = kn_smoothstep(t, t_fall, fall);
    return (struct kn_jet) { 1 - down.v, -down.d, -down.dd };
}
