/* The edge positions of snapped points (fevermap.routing.snapping.EdgeIndex), in C.
 *
 * Why: after the segment search, making each point's positions took about 2.5 us a point in Python and 2 us in
 * numpy (some forty array operations of 1-3 us each on 51 points); a one-to-50 query snaps 51 points. Here it is a
 * few tens of ns a point.
 *
 * What it computes is EdgeIndex._make_snap_reference's arithmetic, operation for operation (compiled with
 * -ffp-contract=off, so the floats are bit-identical to that Python form; tests compare them), for one point (one(),
 * what Router.snap uses: 2-3 us of Python a snap less) or many (columns()):
 *   t snaps to 0 or 1 within 1 cm of a segment's end (t * length < 0.01, else (1 - t) * length < 0.01);
 *   before = seg_before_m[seg] + t * length, after = edge_len_m[edge] - before;
 *   location = c0 + t * (c1 - c0) per coordinate, c0 and c1 the segment's ends;
 *   positions: on the edge's first node (segment 0, t = 0) every edge leaving then entering that node, on its last
 *   node (last segment, t = 1) the same for that node, else the position and, on a two-way road, the same place on
 *   the twin edge (twin, last - k, 1 - t, after, before).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define AT_NODE_M 0.01 /* fevermap.routing.snapping._AT_NODE_M */

enum { SEG_EDGE, SEG_K, SEG_LENGTH, SEG_BEFORE, EDGE_LEN, GEOM_OFF, COORDS, SEG_OFF, TWIN, TAIL, HEAD,
       OUT_ORDER, OUT_BOUNDS, IN_ORDER, IN_BOUNDS, N_ARRAYS };
static char *names[] = {"seg_edge", "seg_k", "seg_length_m", "seg_before_m", "edge_len_m", "geom_off", "coords",
                        "seg_off", "twin", "edge_tail", "edge_head", "out_order", "out_bounds", "in_order",
                        "in_bounds", NULL};
static const char floats[N_ARRAYS] = {[SEG_LENGTH] = 1, [SEG_BEFORE] = 1, [EDGE_LEN] = 1, [COORDS] = 1};

typedef struct {
    PyObject_HEAD Py_buffer b[N_ARRAYS];
    const void *a[N_ARRAYS];
    int64_t len[N_ARRAYS];
    int nbufs;
} PositionsObject;

static void positions_dealloc(PositionsObject *p) {
    for (int i = 0; i < p->nbufs; i++) PyBuffer_Release(&p->b[i]);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static int positions_init(PositionsObject *p, PyObject *args, PyObject *kw) {
    PyObject *o[N_ARRAYS];
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOOOOOOOOOO", names, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                                     &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13], &o[14]))
        return -1;
    if (p->nbufs) {
        PyErr_SetString(PyExc_RuntimeError, "Positions already initialised");
        return -1;
    }
    for (int i = 0; i < N_ARRAYS; i++) {
        if (PyObject_GetBuffer(o[i], &p->b[i], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
        p->nbufs = i + 1;
        const char *fmt = p->b[i].format ? p->b[i].format : "B";
        char last = fmt[strlen(fmt) - 1];
        if (p->b[i].itemsize != 8 || (floats[i] ? last != 'd' : strchr("lq", last) == NULL)) {
            PyErr_Format(PyExc_TypeError, "%s: expected a contiguous array of %s", names[i],
                         floats[i] ? "float64" : "int64");
            return -1;
        }
        p->a[i] = p->b[i].buf;
        p->len[i] = p->b[i].len / 8;
    }
    int64_t n_seg = p->len[SEG_EDGE], n_edge = p->len[EDGE_LEN];
    if (p->len[SEG_K] != n_seg || p->len[SEG_LENGTH] != n_seg || p->len[SEG_BEFORE] != n_seg ||
        p->len[GEOM_OFF] != n_edge + 1 || p->len[SEG_OFF] != n_edge + 1 || p->len[TWIN] != n_edge ||
        p->len[TAIL] != n_edge || p->len[HEAD] != n_edge || p->len[COORDS] % 2 ||
        p->len[OUT_BOUNDS] != p->len[IN_BOUNDS] || p->len[OUT_BOUNDS] < 1) {
        PyErr_SetString(PyExc_ValueError, "snapping arrays do not fit together");
        return -1;
    }
    return 0;
}

/* One point's adjusted t, edge and segment index; -1 where the segment or its edge is out of range. */
static inline int64_t place(const PositionsObject *p, int64_t seg, double *t) {
    const int64_t *seg_edge = p->a[SEG_EDGE];
    const double *length = p->a[SEG_LENGTH];
    if (seg < 0 || seg >= p->len[SEG_EDGE]) return -1;
    int64_t e = seg_edge[seg];
    if (e < 0 || e >= p->len[EDGE_LEN]) return -1;
    double f = *t, l = length[seg];
    if (f * l < AT_NODE_M) f = 0.0;
    else if ((1.0 - f) * l < AT_NODE_M) f = 1.0;
    *t = f;
    return e;
}

/* The graph node a position sits on (-1: inside the edge), or -2 where the arrays do not hold it. */
static inline int64_t on_node(const PositionsObject *p, int64_t e, int64_t k, double t) {
    const int64_t *seg_off = p->a[SEG_OFF];
    int64_t v = -1;
    if (k == 0 && t == 0.0) v = ((const int64_t *)p->a[TAIL])[e];
    else if (k == seg_off[e + 1] - seg_off[e] - 1 && t == 1.0) v = ((const int64_t *)p->a[HEAD])[e];
    if (v >= 0 && v + 1 >= p->len[OUT_BOUNDS]) return -2;
    return v;
}

/* Segment s at fraction *t (adjusted in place): the point's edge (*e), the node it sits on (*v; -1 inside the edge)
 * and how many positions it has; -1 with the error set where the arrays do not hold it. */
static int64_t count_rows(const PositionsObject *p, int64_t s, double *t, int64_t *e, int64_t *v) {
    *e = place(p, s, t);
    *v = *e < 0 ? -2 : on_node(p, *e, ((const int64_t *)p->a[SEG_K])[s], *t);
    if (*v == -2) {
        PyErr_Format(PyExc_ValueError, "segment %lld is not one of the graph's", (long long)s);
        return -1;
    }
    if (*v < 0) return 1 + (((const int64_t *)p->a[TWIN])[*e] >= 0);
    const int64_t *ob = p->a[OUT_BOUNDS], *ib = p->a[IN_BOUNDS];
    int64_t n_out = ob[*v + 1] - ob[*v], n_in = ib[*v + 1] - ib[*v];
    if (n_out < 0 || n_in < 0) {
        PyErr_SetString(PyExc_ValueError, "node edge lists out of range");
        return -1;
    }
    return n_out + n_in;
}

/* The point's location (loc[0], loc[1]) and its count_rows() positions, written to the five row columns from row 0;
 * 0, or -1 with the error set. */
static int fill_rows(const PositionsObject *p, int64_t s, double t, int64_t e, int64_t v, double *loc, int64_t *pe,
                     int64_t *ps, double *pf, double *pb, double *pa) {
    const int64_t *seg_k = p->a[SEG_K], *twin = p->a[TWIN], *geom_off = p->a[GEOM_OFF], *seg_off = p->a[SEG_OFF];
    const double *seg_before = p->a[SEG_BEFORE], *length = p->a[SEG_LENGTH], *edge_len = p->a[EDGE_LEN];
    int64_t k = seg_k[s], row = geom_off[e] + k, n_edge = p->len[EDGE_LEN];
    if (row < 0 || 2 * (row + 2) > p->len[COORDS]) {
        PyErr_Format(PyExc_ValueError, "segment %lld has no coordinates", (long long)s);
        return -1;
    }
    double before = seg_before[s] + t * length[s], after = edge_len[e] - before;
    const double *c0 = (const double *)p->a[COORDS] + 2 * row, *c1 = c0 + 2;
    loc[0] = c0[0] + t * (c1[0] - c0[0]);
    loc[1] = c0[1] + t * (c1[1] - c0[1]);
    if (v < 0) {
        pe[0] = e, ps[0] = k, pf[0] = t, pb[0] = before, pa[0] = after;
        if (twin[e] >= 0)
            pe[1] = twin[e], ps[1] = seg_off[e + 1] - seg_off[e] - 1 - k, pf[1] = 1.0 - t, pb[1] = after, pa[1] = before;
        return 0;
    }
    const int64_t *ob = p->a[OUT_BOUNDS], *ib = p->a[IN_BOUNDS], *oo = p->a[OUT_ORDER], *io = p->a[IN_ORDER];
    int64_t r = 0, n_oo = p->len[OUT_ORDER], n_io = p->len[IN_ORDER];
    for (int64_t j = ob[v]; j < ob[v + 1]; j++, r++) { /* leaving the node: at their start */
        int64_t x = j >= 0 && j < n_oo ? oo[j] : -1;
        if (x < 0 || x >= n_edge) goto bad_order;
        pe[r] = x, ps[r] = 0, pf[r] = 0.0, pb[r] = 0.0, pa[r] = edge_len[x];
    }
    for (int64_t j = ib[v]; j < ib[v + 1]; j++, r++) { /* entering it: at their end */
        int64_t x = j >= 0 && j < n_io ? io[j] : -1;
        if (x < 0 || x >= n_edge) goto bad_order;
        pe[r] = x, ps[r] = seg_off[x + 1] - seg_off[x] - 1, pf[r] = 1.0, pb[r] = edge_len[x], pa[r] = 0.0;
    }
    return 0;
bad_order:
    PyErr_SetString(PyExc_ValueError, "node edge lists out of range");
    return -1;
}

static PyObject *positions_columns(PositionsObject *p, PyObject *args) {
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3])) return NULL;
    static const char *what[] = {"seg (int64)", "t (float64)", "lon (float64)", "lat (float64)"};
    Py_buffer b[4];
    int got = 0;
    PyObject *ints = NULL, *flts = NULL, *out = NULL;
    int64_t n = 0;
    for (; got < 4; got++) {
        if (PyObject_GetBuffer(o[got], &b[got], PyBUF_C_CONTIGUOUS) < 0) goto done;
        if (got == 0) n = b[0].len / 8;
        if (b[got].itemsize != 8 || b[got].len != n * 8) {
            PyErr_Format(PyExc_ValueError, "%s: expected %lld contiguous 8-byte items", what[got], (long long)n);
            got++;
            goto done;
        }
    }
    const int64_t *seg = b[0].buf;
    const double *t_in = b[1].buf, *lon = b[2].buf, *lat = b[3].buf;
    int64_t rows = 0, e, v; /* first pass: how many positions */
    for (int64_t i = 0; i < n; i++) {
        double t = t_in[i];
        int64_t c = count_rows(p, seg[i], &t, &e, &v);
        if (c < 0) goto done;
        rows += c;
    }
    /* ints: edge[n], off[n + 1], pos_edge[rows], pos_seg[rows], pos_owner[rows]; floats: query[2n], location[2n],
     * pos_frac[rows], pos_before[rows], pos_after[rows] */
    ints = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((2 * n + 1 + 3 * rows) * 8));
    flts = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((4 * n + 3 * rows) * 8));
    if (!ints || !flts) goto done;
    int64_t *edge = (int64_t *)PyByteArray_AS_STRING(ints), *off = edge + n, *pe = off + n + 1, *ps = pe + rows,
            *po = ps + rows;
    double *query = (double *)PyByteArray_AS_STRING(flts), *loc = query + 2 * n, *pf = loc + 2 * n, *pb = pf + rows,
           *pa = pb + rows;
    int64_t r = 0;
    for (int64_t i = 0; i < n; i++) {
        double t = t_in[i];
        int64_t c = count_rows(p, seg[i], &t, &e, &v);
        if (fill_rows(p, seg[i], t, e, v, loc + 2 * i, pe + r, ps + r, pf + r, pb + r, pa + r) < 0) goto done;
        query[2 * i] = lon[i], query[2 * i + 1] = lat[i];
        edge[i] = e;
        off[i] = r;
        for (int64_t j = 0; j < c; j++) po[r + j] = i;
        r += c;
    }
    off[n] = r;
    out = Py_BuildValue("OOL", ints, flts, (long long)rows);
done:
    for (int q = 0; q < got; q++) PyBuffer_Release(&b[q]);
    Py_XDECREF(ints);
    Py_XDECREF(flts);
    return out;
}

/* one(seg, t, cls) -> (x, y, edge, positions): one snap's location, edge and positions (cls instances), as columns()
 * computes them for many; for Router.snap, without the arrays a batch needs. */
static PyObject *positions_one(PositionsObject *p, PyObject *args) {
    long long s;
    double t;
    PyObject *cls;
    if (!PyArg_ParseTuple(args, "LdO", &s, &t, &cls)) return NULL;
    int64_t e, v, c = count_rows(p, s, &t, &e, &v);
    if (c < 0) return NULL;
    enum { ON_STACK = 16 }; /* rows for a point: 1 or 2 inside an edge, the node's degree on one */
    int64_t ibuf[2 * ON_STACK], *pe = ibuf;
    double fbuf[3 * ON_STACK], loc[2], *pf = fbuf;
    if (c > ON_STACK) {
        pe = malloc((size_t)c * 16);
        pf = malloc((size_t)c * 24);
        if (!pe || !pf) {
            if (pe != ibuf) free(pe);
            if (pf != fbuf) free(pf);
            return PyErr_NoMemory();
        }
    }
    int64_t *ps = pe + c;
    double *pb = pf + c, *pa = pb + c;
    PyObject *pos = NULL, *out = NULL;
    if (fill_rows(p, s, t, e, v, loc, pe, ps, pf, pb, pa) < 0) goto done;
    pos = PyTuple_New((Py_ssize_t)c);
    if (!pos) goto done;
    for (int64_t j = 0; j < c; j++) {
        PyObject *x = PyObject_CallFunction(cls, "LLddd", (long long)pe[j], (long long)ps[j], pf[j], pb[j], pa[j]);
        if (!x) goto done;
        PyTuple_SET_ITEM(pos, (Py_ssize_t)j, x);
    }
    out = Py_BuildValue("ddLO", loc[0], loc[1], (long long)e, pos);
done:
    Py_XDECREF(pos);
    if (pe != ibuf) free(pe);
    if (pf != fbuf) free(pf);
    return out;
}

static PyMethodDef positions_methods[] = {
    {"one", (PyCFunction)positions_one, METH_VARARGS,
     "one(seg, t, cls) -> (x, y, edge, positions): one snap's location, edge and positions (instances of cls)"},
    {"columns", (PyCFunction)positions_columns, METH_VARARGS,
     "columns(seg, t, lon, lat) -> (ints, floats, rows): the snaps' columns (see fevermap.routing.snapping)"},
    {NULL}};

static PyTypeObject PositionsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.routing._snap.Positions",
    .tp_basicsize = sizeof(PositionsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A region's snapping arrays, held for computing snaps' edge positions.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)positions_init,
    .tp_dealloc = (destructor)positions_dealloc,
    .tp_methods = positions_methods,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fevermap.routing._snap",
                                    "Edge positions of snapped points (Positions).", -1, NULL};

PyMODINIT_FUNC PyInit__snap(void) {
    if (PyType_Ready(&PositionsType) < 0) return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (!mod) return NULL;
    Py_INCREF(&PositionsType);
    PyModule_AddObject(mod, "Positions", (PyObject *)&PositionsType);
    return mod;
}
