/* C kernels of fevermap.geo: the nearest-segment search of fevermap.geo.segment_index.SegmentIndex (Grid) and the
 * forward transverse Mercator projection of fevermap.geo.projection.LocalProjection (Forward).
 *
 * Why: snapping a point projects it, then searches of a few cells of a uniform grid of segments; done with numpy it cost about
 * 23 us a point on Porto, nearly all of it array overhead on a few dozen candidates, and it ran twice per route and
 * 51 times per one-to-50 query (benchmarks/bench_snapping.py measures this search beside numpy's form and shapely's
 * STRtree).
 *
 * The search is the one the Python side documents (SegmentIndex.nearest): blocks of r cells around the point's cell
 * for r = r0, r0 + 1, ... (r0 skips the blocks the index knows to be empty), each ring examining only the cells the
 * previous block lacked, until the closest segment seen is no farther than r cells. Of the segments examined, the
 * closest wins, and of exactly equal squared distances the lowest-numbered one. Distances are computed in the same
 * order of floating-point operations as numpy's vectorised form, so answers are bit-identical to it.
 *
 * Forward is LocalProjection.forward_one's series (Krüger's, to sixth order; the coefficients come from the Python
 * side) written with the same libm functions in the same order of operations, so it is bit-identical to the Python
 * one-point form (3.7 us a point in Python, 0.2 us here; snapping 51 points projected them for 190 us).
 *
 * runs() gathers consecutive polylines (a route's edges) into one coordinate array.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Beyond this many cells from the grid a point is refused (None): no grid is that large. */
#define FAR_CELLS 1e15

/* Batches of at least this many points release the GIL (a short one would only risk waiting to get it back). */
#define RELEASE_GIL_FROM 256

/* ------------------------------------------------------------------ aligned columns */

static void release_columns(Py_buffer *b, int k) {
    for (int i = 0; i < k; i++) PyBuffer_Release(&b[i]);
}

/* Acquire k contiguous buffers of 8-byte items, as many in each as in the first (*n); those from index `writable` on
 * must be writable. 0 with all k held (release_columns them), or -1 with none held and the error set, naming the
 * argument (what[i]) and the items expected. */
static int get_columns(PyObject *const *o, Py_buffer *b, int k, int writable, const char *const *what,
                       const char *items, Py_ssize_t *n) {
    for (int i = 0; i < k; i++) {
        if (PyObject_GetBuffer(o[i], &b[i], PyBUF_C_CONTIGUOUS | (i >= writable ? PyBUF_WRITABLE : 0)) < 0) {
            release_columns(b, i);
            return -1;
        }
        if (i == 0) *n = b[0].len / 8;
        if (b[i].itemsize != 8 || b[i].len != *n * 8) {
            PyErr_Format(PyExc_ValueError, "%s: expected %zd contiguous %s", what[i], *n, items);
            release_columns(b, i + 1);
            return -1;
        }
    }
    return 0;
}

typedef struct {
    PyObject_HEAD const double *packed; /* per segment: x0, y0, dx, dy, 1 / (dx^2 + dy^2) (0 for a point) */
    const int64_t *members, *offsets, *reach;
    int64_t n_seg, nx, ny;
    double cell, x0, y0;
    Py_buffer bufs[4];
    int nbufs;
} GridObject;

typedef struct {
    int64_t seg;
    double t, d2;
    int found;
} Best;

static void grid_dealloc(GridObject *g) {
    for (int i = 0; i < g->nbufs; i++) PyBuffer_Release(&g->bufs[i]);
    Py_TYPE(g)->tp_free((PyObject *)g);
}

static int grid_init(GridObject *g, PyObject *args, PyObject *kw) {
    static char *names[] = {"packed", "members", "offsets", "reach", "cell_m", "x0", "y0", "nx", "ny", NULL};
    PyObject *o[4];
    long long nx, ny;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOdddLL", names, &o[0], &o[1], &o[2], &o[3], &g->cell, &g->x0,
                                     &g->y0, &nx, &ny))
        return -1;
    if (g->nbufs) {
        PyErr_SetString(PyExc_RuntimeError, "Grid already initialised");
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (PyObject_GetBuffer(o[i], &g->bufs[i], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
        g->nbufs = i + 1;
        const char *fmt = g->bufs[i].format ? g->bufs[i].format : "B";
        int ok = g->bufs[i].itemsize == 8 && (i == 0 ? (strcmp(fmt, "d") == 0 || strcmp(fmt, "<d") == 0)
                                                     : (strchr("lqLQ", fmt[strlen(fmt) - 1]) != NULL));
        if (!ok) {
            PyErr_Format(PyExc_TypeError, "%s: expected a contiguous array of %s", names[i],
                         i == 0 ? "float64" : "int64");
            return -1;
        }
    }
    g->packed = g->bufs[0].buf;
    g->members = g->bufs[1].buf;
    g->offsets = g->bufs[2].buf;
    g->reach = g->bufs[3].buf;
    g->n_seg = g->bufs[0].len / (5 * 8);
    g->nx = nx;
    g->ny = ny;
    int64_t n_off = g->bufs[2].len / 8, n_mem = g->bufs[1].len / 8;
    if (g->bufs[0].len != g->n_seg * 5 * 8 || nx < 1 || ny < 1 || n_off != nx * ny + 1 ||
        g->bufs[3].len / 8 != nx * ny || g->offsets[0] != 0 || g->offsets[nx * ny] != n_mem || !(g->cell > 0)) {
        PyErr_SetString(PyExc_ValueError, "segment grid arrays do not fit together");
        return -1;
    }
    for (int64_t k = 0; k < n_mem; k++)
        if (g->members[k] < 0 || g->members[k] >= g->n_seg) {
            PyErr_SetString(PyExc_ValueError, "segment grid members out of range");
            return -1;
        }
    for (int64_t k = 0; k < nx * ny; k++)
        if (g->offsets[k] > g->offsets[k + 1]) {
            PyErr_SetString(PyExc_ValueError, "segment grid offsets must not decrease");
            return -1;
        }
    return 0;
}

/* Examine the members of cells [lo, hi) (keys row * ny + col) against (x, y). */
static inline void scan(const GridObject *g, int64_t lo, int64_t hi, double x, double y, Best *b) {
    const int64_t end = g->offsets[hi];
    for (int64_t k = g->offsets[lo]; k < end; k++) {
        const int64_t s = g->members[k];
        const double *p = g->packed + 5 * s;
        const double px = x - p[0], py = y - p[1];
        double t = (px * p[2] + py * p[3]) * p[4];
        if (t < 0.0) t = 0.0;
        if (t > 1.0) t = 1.0;
        const double ex = px - t * p[2], ey = py - t * p[3];
        const double d2 = ex * ex + ey * ey;
        if (!b->found || d2 < b->d2 || (d2 == b->d2 && s < b->seg)) {
            b->seg = s;
            b->t = t;
            b->d2 = d2;
            b->found = 1;
        }
    }
}

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* The cells of ring r around (i, j): the whole block when whole, else those exactly r cells away (Chebyshev). */
static void ring(const GridObject *g, int64_t i, int64_t j, int64_t r, int whole, double x, double y, Best *b) {
    const int64_t nx = g->nx, ny = g->ny;
    const int64_t jlo = max64(j - r, 0), jhi = min64(j + r, ny - 1);
    if (jlo > jhi) return;
    if (whole) {
        for (int64_t row = max64(i - r, 0); row <= min64(i + r, nx - 1); row++)
            scan(g, row * ny + jlo, row * ny + jhi + 1, x, y, b);
        return;
    }
    if (i - r >= 0 && i - r < nx) scan(g, (i - r) * ny + jlo, (i - r) * ny + jhi + 1, x, y, b);
    if (i + r >= 0 && i + r < nx) scan(g, (i + r) * ny + jlo, (i + r) * ny + jhi + 1, x, y, b);
    const int64_t rlo = max64(i - r + 1, 0), rhi = min64(i + r - 1, nx - 1);
    for (int64_t row = rlo; row <= rhi; row++) {
        if (j - r >= 0 && j - r < ny) scan(g, row * ny + j - r, row * ny + j - r + 1, x, y, b);
        if (j + r >= 0 && j + r < ny) scan(g, row * ny + j + r, row * ny + j + r + 1, x, y, b);
    }
}

/* SegmentIndex.nearest: 1 and (seg, t, distance) in out, or 0 when no segment is within max_distance. */
static int nearest(const GridObject *g, double x, double y, double max_distance, Best *out) {
    if (!isfinite(x) || !isfinite(y)) return 0;
    const double c = g->cell;
    const double fi = floor((x - g->x0) / c), fj = floor((y - g->y0) / c);
    if (fabs(fi) > FAR_CELLS || fabs(fj) > FAR_CELLS) return 0;
    const int64_t i = (int64_t)fi, j = (int64_t)fj;
    /* how far the point lies outside the grid (0 inside): rings closer than that hold nothing */
    const int64_t outside = max64(max64(max64(-i, i - g->nx + 1), max64(-j, j - g->ny + 1)), 0);
    int64_t r = outside ? max64(1, outside) : max64(1, g->reach[i * g->ny + j]);
    const int64_t limit = g->nx + g->ny + outside;
    if (r > 1 && ((double)(r - 2) * c > max_distance || r - 1 > limit)) return 0;
    Best b = {0, 0.0, 0.0, 0};
    const int64_t r0 = r;
    for (;;) {
        ring(g, i, j, r, r == r0, x, y, &b);
        /* every unexamined segment lies outside the block, at least r cells (r * c metres) away */
        if (b.found && sqrt(b.d2) <= (double)r * c) break;
        if ((double)(r - 1) * c > max_distance || r > limit) break;
        r++;
    }
    if (!b.found || sqrt(b.d2) > max_distance) return 0;
    *out = b;
    return 1;
}

static PyObject *grid_nearest(GridObject *g, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "nearest(x, y, max_distance)");
        return NULL;
    }
    double v[3];
    for (int k = 0; k < 3; k++) {
        v[k] = PyFloat_AsDouble(args[k]);
        if (v[k] == -1.0 && PyErr_Occurred()) return NULL;
    }
    Best b;
    if (!nearest(g, v[0], v[1], v[2], &b)) Py_RETURN_NONE;
    return Py_BuildValue("(Ldd)", (long long)b.seg, b.t, sqrt(b.d2));
}

static PyObject *grid_nearest_many(GridObject *g, PyObject *args) {
    PyObject *o[5];
    double max_distance;
    if (!PyArg_ParseTuple(args, "OOdOOO", &o[0], &o[1], &max_distance, &o[2], &o[3], &o[4])) return NULL;
    static const char *const what[] = {"x", "y", "segments_out", "t_out", "distances_out"};
    Py_buffer b[5];
    Py_ssize_t n = 0;
    if (get_columns(o, b, 5, 2, what, "8-byte items (float64, or int64 segments)", &n) < 0) return NULL;
    const double *xs = b[0].buf, *ys = b[1].buf;
    int64_t *seg = b[2].buf;
    double *ts = b[3].buf, *ds = b[4].buf;
    PyThreadState *released = n >= RELEASE_GIL_FROM ? PyEval_SaveThread() : NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        Best best;
        if (nearest(g, xs[k], ys[k], max_distance, &best)) {
            seg[k] = best.seg;
            ts[k] = best.t;
            ds[k] = sqrt(best.d2);
        } else {
            seg[k] = -1;
            ts[k] = ds[k] = NAN;
        }
    }
    if (released) PyEval_RestoreThread(released);
    release_columns(b, 5);
    Py_RETURN_NONE;
}

static PyMethodDef grid_methods[] = {
    {"nearest", (PyCFunction)(void (*)(void))grid_nearest, METH_FASTCALL,
     "nearest(x, y, max_distance) -> (segment, t, distance) or None"},
    {"nearest_many", (PyCFunction)grid_nearest_many, METH_VARARGS,
     "nearest_many(x, y, max_distance, segments_out, t_out, distances_out): nearest of each point, -1 / nan for none"},
    {NULL}};

static PyTypeObject GridType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.geo._native.Grid",
    .tp_basicsize = sizeof(GridObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A uniform grid of segments over saved arrays (see fevermap.geo.segment_index.SegmentIndex).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)grid_init,
    .tp_dealloc = (destructor)grid_dealloc,
    .tp_methods = grid_methods,
};

/* ------------------------------------------------------------------ the forward projection */

#define N_ALPHA 6

typedef struct {
    PyObject_HEAD double lon_0, e, rect, northing_0;
    double alpha[N_ALPHA];
} ForwardObject;

static int forward_init(ForwardObject *f, PyObject *args, PyObject *kw) {
    static char *names[] = {"lon_0", "e", "rect", "northing_0", "alpha", NULL};
    PyObject *alpha;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ddddO", names, &f->lon_0, &f->e, &f->rect, &f->northing_0, &alpha))
        return -1;
    PyObject *seq = PySequence_Fast(alpha, "alpha must be a sequence of 6 floats");
    if (!seq) return -1;
    if (PySequence_Fast_GET_SIZE(seq) != N_ALPHA) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "alpha must be a sequence of 6 floats");
        return -1;
    }
    for (int k = 0; k < N_ALPHA; k++) {
        f->alpha[k] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, k));
        if (f->alpha[k] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

/* Python's float modulo (the sign of the divisor), as in CPython's float_rem. */
static inline double py_mod(double v, double w) {
    double mod = fmod(v, w);
    if (mod != 0.0) {
        if ((w < 0) != (mod < 0)) mod += w;
    } else {
        mod = copysign(0.0, w);
    }
    return mod;
}

/* projection.py's _forward(_MATH, lon, lat, lon_0), then forward_one's scaling: every operation in its order. */
static inline void project(const ForwardObject *f, double lon, double lat, double *x, double *y) {
    const double deg = Py_MATH_PI / 180.0;
    const double phi = lat * deg;
    const double dl = (py_mod(lon - f->lon_0 + 180.0, 360.0) - 180.0) * deg;
    const double tau = tan(phi);
    const double root = sqrt(1.0 + tau * tau);
    const double sigma = sinh(f->e * atanh(f->e * tau / root));
    const double tau_c = tau * sqrt(1.0 + sigma * sigma) - sigma * root;
    const double cos_dl = cos(dl);
    const double xi = atan2(tau_c, cos_dl);
    const double eta = asinh(sin(dl) / sqrt(tau_c * tau_c + cos_dl * cos_dl));
    /* _add_series(_ALPHA, 1.0, xi, eta): Clenshaw on the complex argument, in real and imaginary parts */
    const double s = sin(2.0 * xi), c = cos(2.0 * xi);
    const double sh = sinh(2.0 * eta), ch = cosh(2.0 * eta);
    const double pr = 2.0 * c * ch, pi = -2.0 * s * sh;
    double b1r = 0.0, b1i = 0.0, b2r = 0.0, b2i = 0.0;
    for (int k = N_ALPHA - 1; k >= 0; k--) {
        const double nr = f->alpha[k] + pr * b1r - pi * b1i - b2r, ni = pr * b1i + pi * b1r - b2i;
        b2r = b1r;
        b2i = b1i;
        b1r = nr;
        b1i = ni;
    }
    const double sr = s * ch, si = c * sh;
    const double rxi = xi + 1.0 * (b1r * sr - b1i * si), reta = eta + 1.0 * (b1r * si + b1i * sr);
    *x = f->rect * reta;
    *y = f->rect * rxi - f->northing_0;
}

static PyObject *forward_one(ForwardObject *f, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "one(lon, lat)");
        return NULL;
    }
    double v[2];
    for (int k = 0; k < 2; k++) {
        v[k] = PyFloat_AsDouble(args[k]);
        if (v[k] == -1.0 && PyErr_Occurred()) return NULL;
    }
    double x, y;
    project(f, v[0], v[1], &x, &y);
    return Py_BuildValue("(dd)", x, y);
}

static PyObject *forward_many(ForwardObject *f, PyObject *args) {
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3])) return NULL;
    static const char *const what[] = {"lon", "lat", "x_out", "y_out"};
    Py_buffer b[4];
    Py_ssize_t n = 0;
    if (get_columns(o, b, 4, 2, what, "float64 values", &n) < 0) return NULL;
    const double *lon = b[0].buf, *lat = b[1].buf;
    double *x = b[2].buf, *y = b[3].buf;
    for (Py_ssize_t k = 0; k < n; k++) project(f, lon[k], lat[k], &x[k], &y[k]);
    release_columns(b, 4);
    Py_RETURN_NONE;
}

static PyMethodDef forward_methods[] = {
    {"one", (PyCFunction)(void (*)(void))forward_one, METH_FASTCALL, "one(lon, lat) -> (x, y) metres"},
    {"many", (PyCFunction)forward_many, METH_VARARGS, "many(lon, lat, x_out, y_out): one() of each point"},
    {NULL}};

static PyTypeObject ForwardType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.geo._native.Forward",
    .tp_basicsize = sizeof(ForwardObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "LocalProjection.forward_one in C (see fevermap.geo.projection).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)forward_init,
    .tp_methods = forward_methods,
};

/* ------------------------------------------------------------------ polyline runs */

/* The buffers of runs() and line(): coords (n, 2) float64, offsets and ids int64 (b[0..2]). */
static int run_buffers(PyObject *const o[3], Py_buffer b[3], int *got) {
    static const char *what[] = {"coords", "offsets", "ids"};
    for (*got = 0; *got < 3; (*got)++) {
        if (PyObject_GetBuffer(o[*got], &b[*got], PyBUF_C_CONTIGUOUS) < 0) return -1;
        if (b[*got].itemsize != 8 || (*got == 0 && b[0].len % 16)) {
            PyErr_Format(PyExc_ValueError, "%s: expected contiguous 8-byte items%s", what[*got],
                         *got == 0 ? " in pairs" : "");
            (*got)++;
            return -1;
        }
    }
    return 0;
}

/* Points the ids' polylines add, each without its first point; -1 (an error set) when an id has none. */
static int64_t run_points(const int64_t *off, int64_t n_off, int64_t rows, const int64_t *ids, int64_t k) {
    int64_t total = 0;
    for (int64_t q = 0; q < k; q++) {
        const int64_t i = ids[q];
        if (i < 0 || i + 1 >= n_off || off[i] < 0 || off[i] >= off[i + 1] || off[i + 1] > rows) {
            PyErr_Format(PyExc_ValueError, "id %lld has no polyline of at least one point", (long long)i);
            return -1;
        }
        total += off[i + 1] - off[i] - 1;
    }
    return total;
}

static double *copy_runs(double *dst, const double *coords, const int64_t *off, const int64_t *ids, int64_t k) {
    for (int64_t q = 0; q < k; q++) {
        const int64_t i = ids[q], n = off[i + 1] - off[i] - 1;
        memcpy(dst, coords + 2 * (off[i] + 1), (size_t)n * 16);
        dst += 2 * n;
    }
    return dst;
}

/* runs(coords, offsets, ids) -> bytearray of float64 pairs: the rows offsets[i] + 1 .. offsets[i + 1] - 1 of coords
 * (n, 2) for each id i in turn, each polyline without its first point. numpy's form (repeat, cumsum, take) cost
 * about 19 us for a route of 110 edges and 565 points. */
static PyObject *py_runs(PyObject *self, PyObject *args) {
    PyObject *o[3];
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2])) return NULL;
    Py_buffer b[3];
    int got = 0;
    PyObject *out = NULL;
    if (run_buffers(o, b, &got) < 0) goto done;
    const double *coords = b[0].buf;
    const int64_t *off = b[1].buf, *ids = b[2].buf;
    const int64_t k = b[2].len / 8, total = run_points(off, b[1].len / 8, b[0].len / 16, ids, k);
    if (total < 0) goto done;
    out = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(total * 16));
    if (!out) goto done;
    copy_runs((double *)PyByteArray_AS_STRING(out), coords, off, ids, k);
done:
    for (int q = 0; q < got; q++) PyBuffer_Release(&b[q]);
    return out;
}

/* The row of segment seg's first point of polyline edge (the segment needs its two points). */
static int seg_row(const int64_t *off, int64_t n_off, int64_t rows, int64_t edge, int64_t seg, int64_t *row) {
    if (edge < 0 || edge + 1 >= n_off || off[edge] < 0 || off[edge + 1] > rows || seg < 0 ||
        off[edge] + seg + 1 >= off[edge + 1]) {
        PyErr_Format(PyExc_ValueError, "edge %lld has no segment %lld", (long long)edge, (long long)seg);
        return -1;
    }
    *row = off[edge] + seg;
    return 0;
}

static double *put_along(double *dst, const double *coords, int64_t row, double f) {
    const double *c = coords + 2 * row;
    dst[0] = c[0] + f * (c[2] - c[0]);
    dst[1] = c[1] + f * (c[3] - c[1]);
    return dst + 2;
}

/* line(coords, offsets, ids, first_edge, first_seg, first_frac, last_edge, last_seg, last_frac) -> bytearray of
 * float64 pairs, a route's line (Geometry.route): the point first_frac along segment first_seg of polyline
 * first_edge, that polyline's later points, runs() of the ids, polyline last_edge's points 1 .. last_seg, then the
 * point last_frac along its segment last_seg. A point along a segment is x0 + f * (x1 - x0) per coordinate
 * (EdgeIndex.location's arithmetic; compiled without FMA contraction, so bit-identical). The Python form (slices, two
 * locations, concatenate) took ~10 us a route on Porto beside runs()' ~1.3. */
static PyObject *py_line(PyObject *self, PyObject *args) {
    PyObject *o[3];
    long long fe, fs, le, ls;
    double ff, lf;
    if (!PyArg_ParseTuple(args, "OOOLLdLLd", &o[0], &o[1], &o[2], &fe, &fs, &ff, &le, &ls, &lf)) return NULL;
    Py_buffer b[3];
    int got = 0;
    PyObject *out = NULL;
    if (run_buffers(o, b, &got) < 0) goto done;
    const double *coords = b[0].buf;
    const int64_t *off = b[1].buf, *ids = b[2].buf;
    const int64_t n_off = b[1].len / 8, rows = b[0].len / 16, k = b[2].len / 8;
    int64_t r0, r1;
    const int64_t middle = run_points(off, n_off, rows, ids, k);
    if (middle < 0 || seg_row(off, n_off, rows, fe, fs, &r0) < 0 || seg_row(off, n_off, rows, le, ls, &r1) < 0)
        goto done;
    const int64_t head = off[fe + 1] - r0 - 1; /* rows r0 + 1 .. off[fe + 1] - 1 */
    out = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((1 + head + middle + ls + 1) * 16));
    if (!out) goto done;
    double *dst = put_along((double *)PyByteArray_AS_STRING(out), coords, r0, ff);
    memcpy(dst, coords + 2 * (r0 + 1), (size_t)head * 16);
    dst = copy_runs(dst + 2 * head, coords, off, ids, k);
    memcpy(dst, coords + 2 * (off[le] + 1), (size_t)ls * 16); /* rows off[le] + 1 .. r1 */
    put_along(dst + 2 * ls, coords, r1, lf);
done:
    for (int q = 0; q < got; q++) PyBuffer_Release(&b[q]);
    return out;
}

static PyMethodDef module_methods[] = {
    {"runs", py_runs, METH_VARARGS,
     "runs(coords, offsets, ids) -> bytearray of float64 (x, y) pairs: each id's polyline but its first point"},
    {"line", py_line, METH_VARARGS,
     "line(coords, offsets, ids, first_edge, first_seg, first_frac, last_edge, last_seg, last_frac) -> bytearray of "
     "float64 (x, y) pairs: from a point on first_edge to its end, runs() of ids, then last_edge up to a point on it"},
    {NULL}};

/* ------------------------------------------------------------------ module */

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fevermap.geo._native",
                                    "C kernels of fevermap.geo: nearest-segment search (Grid), forward projection (Forward) and "
                                    "polyline runs (runs, line).", -1, module_methods};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&GridType) < 0 || PyType_Ready(&ForwardType) < 0) return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (!mod) return NULL;
    Py_INCREF(&GridType);
    PyModule_AddObject(mod, "Grid", (PyObject *)&GridType);
    Py_INCREF(&ForwardType);
    PyModule_AddObject(mod, "Forward", (PyObject *)&ForwardType);
    return mod;
}
