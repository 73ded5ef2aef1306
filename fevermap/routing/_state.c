/* A metric state's arrays in one pass (fevermap.routing.state.metric_arrays), in C.
 *
 * Why: the numpy form makes about a dozen passes over the road segments (times, sums, differences, gathers); on
 * Porto (490,000 segments) it took 5-6 ms of a 5 % traffic update's ~40. This is one pass over the segments and
 * one over the turns, with the same operations in the same order (compiled with -ffp-contract=off, so the floats
 * are bit-identical to numpy's; tests compare them):
 *   seg_ms = length_m * 3600.0 / speed_kph
 *   w = seg_ms + penalty_ms; cum = running sum of w over all segments (numpy's cumsum); cum_excl = cum - w
 *   excl = cum_excl - cum_excl[first segment of the edge]; incl = excl + w
 *   total[e] = incl[last segment of e]
 *   edge_w[e] = INF_MS if total is not finite, else min(ceil(total - 1e-9), INF_MS)  (weights.to_weights)
 *   arc_w[k] = min(edge_w[arc_edge[k]] + turn_ms[k], INF_MS)
 * It handles the common case only: every speed at least 1e-300 km/h and every segment time finite, every edge with
 * a segment. Otherwise it returns False, having written part of the outputs, and the caller runs the numpy form
 * (closures, tiny speeds), which writes every output.
 *
 * before_ceil() is a state's partial times of many positions rounded up (MetricState.before_ceil_ms): what a
 * one-to-many query from coordinates needs once per set of targets, where its numpy form made ten array passes of
 * a few us each over about a hundred positions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define INF_MS 2147483647LL /* fevermap.routing.weights.INF_MS */
#define TOLERANCE_MS 1e-9   /* fevermap.routing.weights._TOLERANCE_MS */
#define TINY_KPH 1e-300     /* fevermap.routing.weights.segment_times_ms: below this the divisor differs */

enum { LENGTH, SPEED, PENALTY, SEG_OFF, ARC_EDGE, TURN_MS, SEG_MS, EXCL, INCL, TOTAL, EDGE_W, ARC_W, N_ARRAYS };
static char *names[] = {"length_m", "speed_kph", "penalty_ms", "seg_off", "arc_edge", "turn_ms", "seg_ms", "excl",
                        "incl", "total", "edge_w", "arc_w", NULL};
static const char floats[N_ARRAYS] = {[LENGTH] = 1, [SPEED] = 1, [PENALTY] = 1, [SEG_MS] = 1, [EXCL] = 1,
                                      [INCL] = 1, [TOTAL] = 1};
static const char written[N_ARRAYS] = {[SEG_MS] = 1, [EXCL] = 1, [INCL] = 1, [TOTAL] = 1, [EDGE_W] = 1, [ARC_W] = 1};

/* The buffers of o[0..n): contiguous 1-D float64 where floats[i], else int64; writable where written[i]. 0, or -1
 * with the error set; *nbufs buffers are held either way (the caller releases them). */
static int get_arrays(PyObject *const *o, Py_buffer *b, int n, char *const *names, const char *floats,
                      const char *written, int *nbufs) {
    for (int i = 0; i < n; i++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (written[i] ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(o[i], &b[i], flags) < 0) return -1;
        *nbufs = i + 1;
        const char *fmt = b[i].format ? b[i].format : "B";
        char last = fmt[strlen(fmt) - 1];
        if (b[i].itemsize != 8 || b[i].ndim != 1 || (floats[i] ? last != 'd' : strchr("lq", last) == NULL)) {
            PyErr_Format(PyExc_TypeError, "%s: expected a contiguous 1-D array of %s", names[i],
                         floats[i] ? "float64" : "int64");
            return -1;
        }
    }
    return 0;
}

/* 1: done; 0: not the common case (the caller computes it otherwise); -1: bad seg_off or arc_edge (*bad: where) */
static int metric_pass(const double *length, const double *speed, const double *penalty, const int64_t *seg_off,
                       const int64_t *arc_edge, const int64_t *turn_ms, double *seg_ms, double *excl, double *incl,
                       double *total, int64_t *edge_w, int64_t *arc_w, int64_t n, int64_t m, int64_t a,
                       int64_t *bad) {
    double acc = 0.0;
    if (seg_off[0] != 0 || seg_off[m] != n) {
        *bad = seg_off[0] != 0 ? 0 : m;
        return -1;
    }
    for (int64_t e = 0; e < m; e++) {
        int64_t lo = seg_off[e], hi = seg_off[e + 1];
        if (hi < lo || hi > n) {
            *bad = e + 1;
            return -1;
        }
        if (hi == lo) return 0; /* an edge without a segment: numpy's form reads its neighbour's; leave it that */
        double base = 0.0;
        for (int64_t i = lo; i < hi; i++) {
            double s = speed[i];
            if (!(s >= TINY_KPH)) return 0; /* closed (0), tiny or NaN */
            double t = length[i] * 3600.0;
            t = t / s;
            if (!isfinite(t)) return 0;
            seg_ms[i] = t;
            double w = t + penalty[i];
            acc = acc + w;
            double ce = acc - w;
            if (i == lo) base = ce;
            double x = ce - base;
            excl[i] = x;
            incl[i] = x + w;
        }
        double tot = incl[hi - 1];
        total[e] = tot;
        if (!isfinite(tot)) {
            edge_w[e] = INF_MS;
        } else {
            double x = tot - TOLERANCE_MS;
            x = ceil(x);
            if (x > (double)INF_MS) x = (double)INF_MS;
            edge_w[e] = (int64_t)x;
        }
    }
    for (int64_t k = 0; k < a; k++) {
        int64_t e = arc_edge[k];
        if (e < 0 || e >= m) {
            *bad = -(k + 1);
            return -1;
        }
        int64_t w = edge_w[e] + turn_ms[k];
        arc_w[k] = w < INF_MS ? w : INF_MS;
    }
    return 1;
}

static PyObject *py_metric_pass(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    PyObject *o[N_ARRAYS];
    Py_buffer b[N_ARRAYS];
    int nbufs = 0;
    PyObject *out = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOOOOOOO", names, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                                     &o[6], &o[7], &o[8], &o[9], &o[10], &o[11]))
        return NULL;
    if (get_arrays(o, b, N_ARRAYS, names, floats, written, &nbufs) < 0) goto done;
    int64_t n = b[LENGTH].len / 8, m = b[TOTAL].len / 8, a = b[ARC_EDGE].len / 8;
    const int sizes[][2] = {{SPEED, 0}, {PENALTY, 0}, {SEG_MS, 0}, {EXCL, 0}, {INCL, 0}, {SEG_OFF, 1},
                            {EDGE_W, 2}, {TURN_MS, 3}, {ARC_W, 3}};
    for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
        int i = sizes[j][0], kind = sizes[j][1];
        int64_t want = kind == 0 ? n : kind == 1 ? m + 1 : kind == 2 ? m : a;
        if (b[i].len / 8 != want) {
            PyErr_Format(PyExc_ValueError, "%s: %lld values, expected %lld", names[i], (long long)(b[i].len / 8),
                         (long long)want);
            goto done;
        }
    }
    int rc;
    int64_t bad = 0;
    Py_BEGIN_ALLOW_THREADS;
    rc = metric_pass(b[LENGTH].buf, b[SPEED].buf, b[PENALTY].buf, b[SEG_OFF].buf, b[ARC_EDGE].buf, b[TURN_MS].buf,
                     b[SEG_MS].buf, b[EXCL].buf, b[INCL].buf, b[TOTAL].buf, b[EDGE_W].buf, b[ARC_W].buf, n, m, a,
                     &bad);
    Py_END_ALLOW_THREADS;
    if (rc < 0) {
        if (bad >= 0)
            PyErr_Format(PyExc_ValueError, "seg_off[%lld] is out of order or out of 0..%lld", (long long)bad,
                         (long long)n);
        else
            PyErr_Format(PyExc_ValueError, "arc_edge[%lld] is not an edge (0..%lld)", (long long)(-bad - 1),
                         (long long)(m - 1));
        goto done;
    }
    out = PyBool_FromLong(rc);
done:
    for (int i = 0; i < nbufs; i++) PyBuffer_Release(&b[i]);
    return out;
}

/* before_ceil(seg, frac, seg_ms, excl, incl, closed_before, out): MetricState.before_ms of each position (segment,
 * fraction) rounded up as weights.ceil_ms_array rounds it, written to out: inf past a closure or inside a closed
 * segment, else incl[seg] at frac >= 1, else excl[seg] + frac * seg_ms[seg] (frac > 0) or excl[seg]; then
 * ceil(ms - 1e-9) + 0.0 (a -0.0 becomes 0.0) where finite. The same operations as the numpy forms, in order. */
enum { B_SEG, B_FRAC, B_SEG_MS, B_EXCL, B_INCL, B_CLOSED, B_OUT, B_N };
static char *b_names[] = {"seg", "frac", "seg_ms", "excl", "incl", "closed_before", "out", NULL};
static const char b_floats[B_N] = {[B_FRAC] = 1, [B_SEG_MS] = 1, [B_EXCL] = 1, [B_INCL] = 1, [B_OUT] = 1};
static const char b_written[B_N] = {[B_OUT] = 1};

static PyObject *py_before_ceil(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    PyObject *o[B_N];
    Py_buffer b[B_N];
    int nbufs = 0;
    PyObject *out = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOO", b_names, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6]))
        return NULL;
    if (get_arrays(o, b, B_N, b_names, b_floats, b_written, &nbufs) < 0) goto done;
    const int64_t k = b[B_SEG].len / 8, n = b[B_SEG_MS].len / 8;
    if (b[B_FRAC].len / 8 != k || b[B_OUT].len / 8 != k || b[B_EXCL].len / 8 != n || b[B_INCL].len / 8 != n ||
        b[B_CLOSED].len / 8 != n) {
        PyErr_SetString(PyExc_ValueError, "before_ceil: seg, frac and out need one length, the state arrays another");
        goto done;
    }
    const int64_t *seg = b[B_SEG].buf, *closed = b[B_CLOSED].buf;
    const double *frac = b[B_FRAC].buf, *seg_ms = b[B_SEG_MS].buf, *excl = b[B_EXCL].buf, *incl = b[B_INCL].buf;
    double *res = b[B_OUT].buf;
    for (int64_t i = 0; i < k; i++) {
        const int64_t s = seg[i];
        if (s < 0 || s >= n) {
            PyErr_Format(PyExc_ValueError, "seg[%lld] = %lld is not a segment (0..%lld)", (long long)i, (long long)s,
                         (long long)(n - 1));
            goto done;
        }
        const double f = frac[i], t = seg_ms[s];
        if (closed[s] > 0 || (!isfinite(t) && f > 0)) {
            res[i] = INFINITY;
            continue;
        }
        const double v = f >= 1.0 ? incl[s] : excl[s] + (f > 0 ? f * t : 0.0);
        res[i] = isfinite(v) ? ceil(v - TOLERANCE_MS) + 0.0 : INFINITY;
    }
    Py_INCREF(Py_None);
    out = Py_None;
done:
    for (int i = 0; i < nbufs; i++) PyBuffer_Release(&b[i]);
    return out;
}

static PyMethodDef methods[] = {
    {"before_ceil", (PyCFunction)(void (*)(void))py_before_ceil, METH_VARARGS | METH_KEYWORDS,
     "before_ceil(seg, frac, seg_ms, excl, incl, closed_before, out) -> None\n\nMetricState.before_ms of each "
     "position rounded up to whole ms (weights.ceil_ms_array), into out."},
    {"metric_pass", (PyCFunction)(void (*)(void))py_metric_pass, METH_VARARGS | METH_KEYWORDS,
     "metric_pass(length_m, speed_kph, penalty_ms, seg_off, arc_edge, turn_ms, seg_ms, excl, incl, total, edge_w, "
     "arc_w) -> bool\n\nA metric state's arrays in one pass, written to the last six; False when a segment is closed "
     "or slower than 1e-300 km/h, its time not finite, or an edge without a segment (compute those otherwise)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_state",
                                    "A metric state's arrays in one pass, and partial times of many positions.", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__state(void) { return PyModule_Create(&module); }
