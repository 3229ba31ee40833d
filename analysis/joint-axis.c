/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "analysis/joint-axis.h"

#define MAX_ITER 30
#define PARAMS 4

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

static double cross_norm(const double w[3], const double j[3])
{
    double x = w[1] * j[2] - w[2] * j[1];
    double y = w[2] * j[0] - w[0] * j[2];
    double z = w[0] * j[1] - w[1] * j[0];

    return sqrt(x * x + y * y + z * z);
}

static double residuals(const double p[PARAMS], const double (*wt)[3], const double (*ws)[3], size_t n,
                        double *r)
{
    double jt[3], js[3], sum = 0;

    axis_from(p[0], p[1], jt);
    axis_from(p[2], p[3], js);
    for (size_t i = 0; i < n; i++) {
        double e = cross_norm(wt[i], jt) - cross_norm(ws[i], js);

        if (r)
            r[i] = e;
        sum += e * e;
    }
    return sum;
}

/* Solves the 4x4 system A x = b in place (Gaussian elimination with
 * partial pivoting).  Returns false when singular. */
static bool solve4(double a[PARAMS][PARAMS], double b[PARAMS], double x[PARAMS])
{
    for (int c = 0; c < PARAMS; c++) {
        int piv = c;

        for (int r = c + 1; r < PARAMS; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (fabs(a[piv][c]) < 1e-12)
            return false;
        if (piv != c) {
            for (int k = 0; k < PARAMS; k++) {
                double t = a[c][k];

                a[c][k] = a[piv][k];
                a[piv][k] = t;
            }
            double t = b[c];

            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < PARAMS; r++) {
            double f = a[r][c] / a[c][c];

            for (int k = c; k < PARAMS; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = PARAMS - 1; r >= 0; r--) {
        double s = b[r];

        for (int k = r + 1; k < PARAMS; k++)
            s -= a[r][k] * x[k];
        x[r] = s / a[r][r];
    }
    return true;
}

bool kn_joint_axis_fit(const double (*wt)[3], const double (*ws)[3], size_t n, struct kn_joint_axis_fit *ret)
{
    /* Levenberg-Marquardt with a forward-difference Jacobian: four
     * parameters, a few hundred residuals, run once every several
     * seconds of movement. */
    double p[PARAMS] = { 0, 0, 0, 0 };
    double lambda = 1e-2, cost, cost_z;
    double r[512], jac[512][PARAMS];

    if (n < 20 || n > 512)
        return false;
    cost = cost_z = residuals(p, wt, ws, n, r);
    for (int it = 0; it < MAX_ITER; it++) {
        double jtj[PARAMS][PARAMS] = { { 0 } }, jtr[PARAMS] = { 0 }, step[PARAMS], trial[PARAMS], c;
        const double h = 1e-6;

        for (int k = 0; k < PARAMS; k++) {
            double q[PARAMS];
            double rk[512];

            memcpy(q, p, sizeof(q));
            q[k] += h;
            residuals(q, wt, ws, n, rk);
            for (size_t i = 0; i < n; i++)
                jac[i][k] = (rk[i] - r[i]) / h;
        }
        for (size_t i = 0; i < n; i++) {
            for (int a = 0; a < PARAMS; a++) {
                jtr[a] += jac[i][a] * r[i];
                for (int b = 0; b < PARAMS; b++)
                    jtj[a][b] += jac[i][a] * jac[i][b];
            }
        }
        for (int a = 0; a < PARAMS; a++) {
            jtj[a][a] *= 1.0 + lambda;
            jtr[a] = -jtr[a];
        }
        if (!solve4(jtj, jtr, step))
            break;
        for (int k = 0; k < PARAMS; k++)
            trial[k] = p[k] + step[k];
        c = residuals(trial, wt, ws, n, NULL);
        if (c < cost) {
            bool small = true;

            for (int k = 0; k < PARAMS; k++)
                small = small && fabs(step[k]) < 1e-5;
            memcpy(p, trial, sizeof(p));
            cost = residuals(p, wt, ws, n, r);
            lambda *= 0.3;
            if (small)
                break;
        } else {
            lambda *= 10;
            if (lambda > 1e6)
                break;
        }
    }
    /* within 60 degrees of z: |(a, b)| < tan 60 */
    for (int k = 0; k < PARAMS; k += 2)
        if (!isfinite(p[k]) || !isfinite(p[k + 1]) || p[k] * p[k] + p[k + 1] * p[k + 1] > 3.0)
            return false;
    if (!isfinite(cost))
        return false;
    axis_from(p[0], p[1], ret->thigh);
    axis_from(p[2], p[3], ret->shank);
    ret->rms = sqrt(cost / n);
    ret->rms_z = sqrt(cost_z / n);
    return true;
}

#define CP 6

static void centre_acc(const double a[3], const double w[3], const double al[3], const double o[3],
                       double out[3])
{
    double ao[3], wo[3], wwo[3];

    ao[0] = al[1] * o[2] - al[2] * o[1];
    ao[1] = al[2] * o[0] - al[0] * o[2];
    ao[2] = al[0] * o[1] - al[1] * o[0];
    wo[0] = w[1] * o[2] - w[2] * o[1];
    wo[1] = w[2] * o[0] - w[0] * o[2];
    wo[2] = w[0] * o[1] - w[1] * o[0];
    wwo[0] = w[1] * wo[2] - w[2] * wo[1];
    wwo[1] = w[2] * wo[0] - w[0] * wo[2];
    wwo[2] = w[0] * wo[1] - w[1] * wo[0];
    for (int i = 0; i < 3; i++)
        out[i] = a[i] + ao[i] + wwo[i];
}

static double centre_residuals(const double p[CP], const struct kn_joint_sample *s, size_t n, double *r)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++) {
        double kt[3], ks[3], e;

        centre_acc(s[i].at, s[i].wt, s[i].alt, p, kt);
        centre_acc(s[i].as, s[i].ws, s[i].als, p + 3, ks);
        e = sqrt(kt[0] * kt[0] + kt[1] * kt[1] + kt[2] * kt[2]) -
            sqrt(ks[0] * ks[0] + ks[1] * ks[1] + ks[2] * ks[2]);
        if (r)
            r[i] = e;
        sum += e * e;
    }
    return sum;
}

/* Gaussian elimination with partial pivoting on a CP x CP system. */
static bool solve_cp(double a[CP][CP], double b[CP], double x[CP])
{
    for (int c = 0; c < CP; c++) {
        int piv = c;

        for (int r = c + 1; r < CP; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (fabs(a[piv][c]) < 1e-12)
            return false;
        if (piv != c) {
            for (int k = 0; k < CP; k++) {
                double t = a[c][k];

                a[c][k] = a[piv][k];
                a[piv][k] = t;
            }
            double t = b[c];

            b[c] = b[piv];
            b[piv] = t;
        }
        for (int r = c + 1; r < CP; r++) {
            double f = a[r][c] / a[c][c];

            for (int k = c; k < CP; k++)
                a[r][k] -= f * a[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = CP - 1; r >= 0; r--) {
        double sum = b[r];

        for (int k = r + 1; k < CP; k++)
            sum -= a[r][k] * x[k];
        x[r] = sum / a[r][r];
    }
    return true;
}

bool kn_joint_centre_fit(const struct kn_joint_sample *samples, size_t n, const double o_thigh[3],
                         const double o_shank[3], double max_m, struct kn_joint_centre_fit *ret)
{
    double p[CP], lambda = 1e-2, cost, cost0;
    double r[512], rk[512], jac[512][CP];

    if (n < 20 || n > 512)
        return false;
    memcpy(p, o_thigh, 3 * sizeof(double));
    memcpy(p + 3, o_shank, 3 * sizeof(double));
    cost = cost0 = centre_residuals(p, samples, n, r);
    for (int it = 0; it < MAX_ITER; it++) {
        double jtj[CP][CP] = { { 0 } }, jtr[CP] = { 0 }, step[CP], trial[CP], c;
        const double h = 1e-6;
        bool small = true;

        for (int k = 0; k < CP; k++) {
            double q[CP];

            memcpy(q, p, sizeof(q));
            q[k] += h;
            centre_residuals(q, samples, n, rk);
            for (size_t i = 0; i < n; i++)
                jac[i][k] = (rk[i] - r[i]) / h;
        }
        for (size_t i = 0; i < n; i++) {
            for (int a = 0; a < CP; a++) {
                jtr[a] += jac[i][a] * r[i];
                for (int b = 0; b < CP; b++)
                    jtj[a][b] += jac[i][a] * jac[i][b];
            }
        }
        for (int a = 0; a < CP; a++) {
            jtj[a][a] *= 1.0 + lambda;
            jtr[a] = -jtr[a];
        }
        if (!solve_cp(jtj, jtr, step))
            break;
        for (int k = 0; k < CP; k++) {
            trial[k] = p[k] + step[k];
            small = small && fabs(step[k]) < 1e-6;
        }
        c = centre_residuals(trial, samples, n, NULL);
        if (c < cost) {
            memcpy(p, trial, sizeof(p));
            cost = centre_residuals(p, samples, n, r);
            lambda *= 0.3;
            if (small)
                break;
        } else {
            lambda *= 10;
            if (lambda > 1e6)
                break;
        }
    }
    for (int k = 0; k < 2; k++) {
        double len = sqrt(p[3 * k] * p[3 * k] + p[3 * k + 1] * p[3 * k + 1] + p[3 * k + 2] * p[3 * k + 2]);

        if (!isfinite(len) || len > max_m)
            return false;
    }
    if (!isfinite(cost))
        return false;
    memcpy(ret->thigh, p, 3 * sizeof(double));
    memcpy(ret->shank, p + 3, 3 * sizeof(double));
    ret->rms = sqrt(cost / n);
    ret->rms_start = sqrt(cost0 / n);
    return true;
}
