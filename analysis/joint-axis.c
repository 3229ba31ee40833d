/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "analysis/joint-axis.h"

#define MAX_ITER 30
#define MAX_PARAMS 6
#define MAX_SAMPLES 512

/* Sum of squared residuals for parameters p; fills r (n values) when not
 * NULL. */
typedef double (*residual_fn)(const double *p, const void *ctx, size_t n, double *r);
/* The residuals' derivatives at p, jac[i][k] = d r_i / d p_k. */
typedef void (*jacobian_fn)(const double *p, const void *ctx, size_t n, double (*jac)[MAX_PARAMS]);

/* Gaussian elimination with partial pivoting on an m x m system. */
static bool solve(int m, double a[MAX_PARAMS][MAX_PARAMS], double b[MAX_PARAMS], double x[MAX_PARAMS])
{
    for (int c = 0; c < m; c++) {
        int piv = c;

        for (int r = c + 1; r < m; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (fabs(a[piv][c]) < 1e-12)
            return false;
        if (piv != c) {
            double t = b[c];

            for (int k = 0; k < m; k++) {
                double u = a[c][k];

                a[c][k] = a[piv][k];
                a[piv][k] = u;
            }
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < m; r++) {
            double f = a[r][c] / a[c][c];

            for (int k = c; k < m; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = m - 1; r >= 0; r--) {
        double s = b[r];

        for (int k = r + 1; k < m; k++)
            s -= a[r][k] * x[k];
        x[r] = s / a[r][r];
    }
    return true;
}

/* Levenberg-Marquardt: a handful of parameters, a few hundred residuals,
 * run once every few seconds of movement.  The Jacobian is jf's when
 * given, else forward differences.  p holds the start and receives the
 * result; it stops when every step is below tol.  Returns the final cost
 * and, in *ret_start, the cost at the start. */
static double levenberg_marquardt(int m, double *p, residual_fn f, jacobian_fn jf, const void *ctx,
                                  size_t n, double tol, double *ret_start)
{
    double r[MAX_SAMPLES], rk[MAX_SAMPLES], jac[MAX_SAMPLES][MAX_PARAMS];
    double lambda = 1e-2, cost = f(p, ctx, n, r);

    *ret_start = cost;
    for (int it = 0; it < MAX_ITER; it++) {
        double jtj[MAX_PARAMS][MAX_PARAMS] = { { 0 } }, jtr[MAX_PARAMS] = { 0 };
        double step[MAX_PARAMS], trial[MAX_PARAMS], c;
        const double h = 1e-6;
        bool small = true;

        for (int k = 0; k < m && !jf; k++) {
            double q[MAX_PARAMS];

            memcpy(q, p, m * sizeof(double));
            q[k] += h;
            f(q, ctx, n, rk);
            for (size_t i = 0; i < n; i++)
                jac[i][k] = (rk[i] - r[i]) / h;
        }
        if (jf)
            jf(p, ctx, n, jac);
        for (size_t i = 0; i < n; i++) {
            for (int a = 0; a < m; a++) {
                jtr[a] -= jac[i][a] * r[i];
                for (int b = 0; b < m; b++)
                    jtj[a][b] += jac[i][a] * jac[i][b];
            }
        }
        for (int a = 0; a < m; a++)
            jtj[a][a] *= 1.0 + lambda;
        if (!solve(m, jtj, jtr, step))
            break;
        for (int k = 0; k < m; k++) {
            trial[k] = p[k] + step[k];
            small = small && fabs(step[k]) < tol;
        }
        c = f(trial, ctx, n, NULL);
        if (c < cost) {
            memcpy(p, trial, m * sizeof(double));
            cost = f(p, ctx, n, r);
            lambda *= 0.3;
            if (small)
                break;
        } else {
            lambda *= 10;
            if (lambda > 1e6)
                break;
        }
    }
    return cost;
}

static double norm3(const double v[3])
{
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static void cross(const double a[3], const double b[3], double out[3])
{
    double x = a[1] * b[2] - a[2] * b[1];
    double y = a[2] * b[0] - a[0] * b[2];
    double z = a[0] * b[1] - a[1] * b[0];

    out[0] = x;
    out[1] = y;
    out[2] = z;
}

/* --- the flexion axes ------------------------------------------------------ */

/* An axis near z as (a, b, 1) normalised: well conditioned around the
 * nominal mounting, and always on the +z side (the body's right), which
 * fixes the sign of flexion. */
static void axis_from(double a, double b, double out[3])
{
    double n = sqrt(a * a + b * b + 1.0);

    out[0] = a / n;
    out[1] = b / n;
    out[2] = 1.0 / n;
}

struct axis_ctx {
    const double (*wt)[3];
    const double (*ws)[3];
};

static double axis_residuals(const double *p, const void *ctx, size_t n, double *r)
{
    const struct axis_ctx *c = ctx;
    double jt[3], js[3], sum = 0;

    axis_from(p[0], p[1], jt);
    axis_from(p[2], p[3], js);
    for (size_t i = 0; i < n; i++) {
        double a[3], b[3], e;

        cross(c->wt[i], jt, a);
        cross(c->ws[i], js, b);
        e = norm3(a) - norm3(b);
        if (r)
            r[i] = e;
        sum += e * e;
    }
    return sum;
}

bool kn_joint_axis_fit(const double (*wt)[3], const double (*ws)[3], size_t n,
                       const double start_thigh[3], const double start_shank[3],
                       struct kn_joint_axis_fit *ret)
{
    struct axis_ctx ctx = { wt, ws };
    double p[4], start, cost;

    if (n < 20 || n > MAX_SAMPLES || !(start_thigh[2] > 0.1) || !(start_shank[2] > 0.1))
        return false;
    p[0] = start_thigh[0] / start_thigh[2];
    p[1] = start_thigh[1] / start_thigh[2];
    p[2] = start_shank[0] / start_shank[2];
    p[3] = start_shank[1] / start_shank[2];
    cost = levenberg_marquardt(4, p, axis_residuals, NULL, &ctx, n, 1e-5, &start);
    /* within 60 degrees of z: |(a, b)| < tan 60 */
    for (int k = 0; k < 4; k += 2)
        if (!isfinite(p[k]) || !isfinite(p[k + 1]) || p[k] * p[k] + p[k + 1] * p[k + 1] > 3.0)
            return false;
    if (!isfinite(cost))
        return false;
    axis_from(p[0], p[1], ret->thigh);
    axis_from(p[2], p[3], ret->shank);
    ret->rms = sqrt(cost / n);
    ret->rms_z = sqrt(start / n);
    return true;
}

/* --- the joint centre -------------------------------------------------------- */

/* The specific force at o from a sensor with specific force a, angular
 * velocity w and angular acceleration al: a + al x o + w x (w x o). */
static void centre_force(const double a[3], const double w[3], const double al[3], const double o[3],
                         double out[3])
{
    double ao[3], wo[3], wwo[3];

    cross(al, o, ao);
    cross(w, o, wo);
    cross(w, wo, wwo);
    for (int i = 0; i < 3; i++)
        out[i] = a[i] + ao[i] + wwo[i];
}

static double centre_norm(const double a[3], const double w[3], const double al[3], const double o[3])
{
    double v[3];

    centre_force(a, w, al, o, v);
    return norm3(v);
}

/* d|v|/do for v = a + al x o + w x (w x o), linear in o with matrix
 * M = [al]x + [w]x[w]x: M^T v / |v| = (v x al + w x (w x v)) / |v|. */
static void centre_gradient(const double a[3], const double w[3], const double al[3], const double o[3],
                            double sign, double *ret)
{
    double v[3], va[3], wv[3], wwv[3], nv;

    centre_force(a, w, al, o, v);
    nv = norm3(v);
    if (!(nv > 0)) {
        ret[0] = ret[1] = ret[2] = 0;
        return;
    }
    cross(v, al, va);
    cross(w, v, wv);
    cross(w, wv, wwv);
    for (int i = 0; i < 3; i++)
        ret[i] = sign * (va[i] + wwv[i]) / nv;
}

/* Analytic: a forward-difference Jacobian costs seven evaluations of
 * both norms per sample, and this fit was the largest single cost of the
 * analysis at 200 Hz. */
static void centre_jacobian(const double *p, const void *ctx, size_t n, double (*jac)[MAX_PARAMS])
{
    const struct kn_joint_sample *s = ctx;

    for (size_t i = 0; i < n; i++) {
        centre_gradient(s[i].at, s[i].wt, s[i].alt, p, +1.0, jac[i]);
        centre_gradient(s[i].as, s[i].ws, s[i].als, p + 3, -1.0, jac[i] + 3);
    }
}

static double centre_residuals(const double *p, const void *ctx, size_t n, double *r)
{
    const struct kn_joint_sample *s = ctx;
    double sum = 0;

    for (size_t i = 0; i < n; i++) {
        double e = centre_norm(s[i].at, s[i].wt, s[i].alt, p) - centre_norm(s[i].as, s[i].ws, s[i].als, p + 3);

        if (r)
            r[i] = e;
        sum += e * e;
    }
    return sum;
}

bool kn_joint_centre_fit(const struct kn_joint_sample *samples, size_t n, const double o_thigh[3],
                         const double o_shank[3], double max_m, struct kn_joint_centre_fit *ret)
{
    double p[6], start, cost;

    if (n < 20 || n > MAX_SAMPLES)
        return false;
    memcpy(p, o_thigh, 3 * sizeof(double));
    memcpy(p + 3, o_shank, 3 * sizeof(double));
    cost = levenberg_marquardt(6, p, centre_residuals, centre_jacobian, samples, n, 1e-6, &start);
    if (!isfinite(cost) || !(norm3(p) <= max_m) || !(norm3(p + 3) <= max_m))
        return false;
    memcpy(ret->thigh, p, 3 * sizeof(double));
    memcpy(ret->shank, p + 3, 3 * sizeof(double));
    ret->rms = sqrt(cost / n);
    ret->rms_start = sqrt(start / n);
    return true;
}
