/* A Customizable Contraction Hierarchy whose arrays can be saved and memory-mapped, customised on several threads.
 *
 * Why fevermap has its own (benchmarks/bench_cch.py measures it beside routingkit_cch on the same graph):
 * routingkit_cch cannot save a hierarchy (every region load rebuilt it: 165 ms on Porto's turn graph, plus 85 ms to
 * customise the first metric), customises on one thread only (69-78 ms for Porto's 5 % traffic update) and takes and
 * returns Python lists. The algorithms are those of Dibbelt, Strasser and Wagner, "Customizable Contraction
 * Hierarchies" (JEA 2016): contraction with fill-in along a given order, basic triangle customisation bottom-up, and
 * elimination-tree queries; one-to-many sweeps the union of the targets' elimination-tree ancestors downwards.
 *
 * Node ids here are ranks (position in the contraction order); the Python side maps node ids to ranks and back.
 * Every arc {x, y} with x < y (ranks) is stored once, in x's row of the upward adjacency (sorted by y), with two
 * weights: up (x to y) and dn (y to x), in ms, and for each the tag mid + 1 of the lower node mid of the triangle
 * that gave the shortcut (0: an original arc). A metric is one block of four arrays: up, dn, up tags, dn tags.
 * Customisation compares (ms << 32) | tag, so it keeps the least weight and, of equal ones, the lowest mid: the
 * result does not depend on the order in which triangles are seen.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>

#define MAX_THREADS 16

/* A one-to-many sweep asks for the rows of the node this many steps ahead. Measured with builds loaded in one
 * process and run in turn on 300 sweeps, each to 50 fresh targets on Porto: medians 259-315 us with the first line of
 * each row against 300-377 us without; 4 ahead gave less. Asking for the whole row (pinning included, 600 sweeps
 * after snapping their points, as a caller runs them): 448-507 us against 584-724 us for the first line only; 16
 * ahead gave no more, nor did asking for the row's start two steps earlier. The same for point-to-point chains gave
 * nothing (89 us both). */
#define SWEEP_PREFETCH 8

#define INF 2147483647u /* fevermap.routing.weights.INF_MS */

/* ------------------------------------------------------------------ buffers */

static int get_buf(PyObject *obj, Py_buffer *view, Py_ssize_t itemsize, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (view->itemsize != itemsize || view->len % itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous buffer of %zd-byte items", what, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static PyObject *bytes_of(const void *data, Py_ssize_t len) { return PyByteArray_FromStringAndSize(data, len); }

/* ------------------------------------------------------------------ contraction (build time) */

typedef struct {
    int32_t *a;
    int32_t len, cap;
} vec;

static int vec_push(vec *v, int32_t x) {
    if (v->len == v->cap) {
        int32_t cap = v->cap ? 2 * v->cap : 4;
        int32_t *a = realloc(v->a, (size_t)cap * sizeof(int32_t));
        if (!a) return -1;
        v->a = a;
        v->cap = cap;
    }
    v->a[v->len++] = x;
    return 0;
}

static int cmp_i32(const void *p, const void *q) {
    int32_t a = *(const int32_t *)p, b = *(const int32_t *)q;
    return (a > b) - (a < b);
}

static int32_t find_arc(const int32_t *first, const int32_t *head, int32_t x, int32_t y) {
    int32_t lo = first[x], hi = first[x + 1];
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (head[mid] < y) lo = mid + 1;
        else hi = mid;
    }
    return (lo < first[x + 1] && head[lo] == y) ? lo : -1;
}

/* contract(order, tail, head) -> dict of bytearrays (int32): rank, up_first, up_head, arc_low, down_first, down_arc,
 * parent, arc_slot. */
static PyObject *py_contract(PyObject *self, PyObject *args) {
    PyObject *o_order, *o_tail, *o_head;
    if (!PyArg_ParseTuple(args, "OOO", &o_order, &o_tail, &o_head)) return NULL;
    Py_buffer b_order, b_tail, b_head;
    if (get_buf(o_order, &b_order, 4, "order") < 0) return NULL;
    if (get_buf(o_tail, &b_tail, 4, "tail") < 0) { PyBuffer_Release(&b_order); return NULL; }
    if (get_buf(o_head, &b_head, 4, "head") < 0) {
        PyBuffer_Release(&b_order);
        PyBuffer_Release(&b_tail);
        return NULL;
    }
    PyObject *result = NULL;
    int32_t n = (int32_t)(b_order.len / 4);
    int64_t m_in = b_tail.len / 4;
    const int32_t *order = b_order.buf, *tail = b_tail.buf, *head = b_head.buf;
    int32_t *rank = NULL, *parent = NULL, *up_first = NULL, *up_head = NULL;
    int32_t *arc_slot = NULL, *arc_low = NULL, *down_first = NULL;
    int32_t *down_arc = NULL;
    vec *up = NULL;
    int64_t m = 0;
    int oom = 0;
    if (b_head.len != b_tail.len) { PyErr_SetString(PyExc_ValueError, "tail and head differ in length"); goto done; }
    rank = malloc((size_t)n * 4 + 4);
    parent = malloc((size_t)n * 4 + 4);
    up = calloc((size_t)n + 1, sizeof(vec));
    arc_slot = malloc((size_t)m_in * 4 + 4);
    if (!rank || !parent || !up || !arc_slot) { PyErr_NoMemory(); goto done; }
    for (int32_t i = 0; i < n; i++) rank[i] = -1;
    for (int32_t i = 0; i < n; i++) {
        if (order[i] < 0 || order[i] >= n || rank[order[i]] != -1) {
            PyErr_SetString(PyExc_ValueError, "order is not a permutation of the nodes");
            goto done;
        }
        rank[order[i]] = i;
    }
    for (int64_t i = 0; i < m_in; i++) {
        if (tail[i] < 0 || tail[i] >= n || head[i] < 0 || head[i] >= n) {
            PyErr_SetString(PyExc_ValueError, "arc endpoint out of range");
            goto done;
        }
        int32_t x = rank[tail[i]], y = rank[head[i]];
        if (x == y) continue;
        if (vec_push(&up[x < y ? x : y], x < y ? y : x) < 0) { PyErr_NoMemory(); goto done; }
    }
    Py_BEGIN_ALLOW_THREADS
    for (int32_t x = 0; x < n; x++) { /* eliminate x: its upper neighbours become a clique (through its parent) */
        vec *v = &up[x];
        parent[x] = -1;
        if (v->len == 0) continue;
        qsort(v->a, (size_t)v->len, 4, cmp_i32);
        int32_t k = 1;
        for (int32_t i = 1; i < v->len; i++)
            if (v->a[i] != v->a[k - 1]) v->a[k++] = v->a[i];
        v->len = k;
        m += k;
        int32_t p = v->a[0];
        parent[x] = p;
        for (int32_t i = 1; i < k; i++) oom |= vec_push(&up[p], v->a[i]) < 0;
    }
    Py_END_ALLOW_THREADS
    if (oom) { PyErr_NoMemory(); goto done; }
    up_first = malloc(((size_t)n + 1) * 4);
    up_head = malloc((size_t)m * 4 + 4);
    if (!up_first || !up_head || m > INT32_MAX) { PyErr_NoMemory(); goto done; }
    up_first[0] = 0;
    for (int32_t x = 0; x < n; x++) {
        memcpy(up_head + up_first[x], up[x].a, (size_t)up[x].len * 4);
        up_first[x + 1] = up_first[x] + up[x].len;
    }
    arc_low = malloc((size_t)m * 4 + 4);
    down_first = calloc((size_t)n + 2, 4);
    down_arc = malloc((size_t)m * 4 + 4);
    if (!arc_low || !down_first || !down_arc) { PyErr_NoMemory(); goto done; }
    for (int32_t x = 0; x < n; x++)
        for (int32_t a = up_first[x]; a < up_first[x + 1]; a++) arc_low[a] = x, down_first[up_head[a] + 1]++;
    for (int32_t x = 0; x < n; x++) down_first[x + 1] += down_first[x];
    {
        int32_t *fill = malloc((size_t)n * 4 + 4);
        if (!fill) { PyErr_NoMemory(); goto done; }
        memcpy(fill, down_first, (size_t)n * 4);
        for (int32_t a = 0; a < (int32_t)m; a++) down_arc[fill[up_head[a]]++] = a; /* by lower end, ascending */
        free(fill);
    }
    for (int64_t i = 0; i < m_in; i++) {
        int32_t x = rank[tail[i]], y = rank[head[i]];
        if (x == y) { arc_slot[i] = -1; continue; }
        int32_t a = x < y ? find_arc(up_first, up_head, x, y) : find_arc(up_first, up_head, y, x);
        arc_slot[i] = 2 * a + (x < y ? 0 : 1);
    }
    result = Py_BuildValue(
        "{sNsNsNsNsNsNsNsN}", "arc_low", bytes_of(arc_low, (Py_ssize_t)m * 4), "down_first",
        bytes_of(down_first, ((Py_ssize_t)n + 1) * 4), "down_arc", bytes_of(down_arc, (Py_ssize_t)m * 4),
        "rank", bytes_of(rank, (Py_ssize_t)n * 4), "up_first", bytes_of(up_first, ((Py_ssize_t)n + 1) * 4),
        "up_head", bytes_of(up_head, (Py_ssize_t)m * 4), "parent", bytes_of(parent, (Py_ssize_t)n * 4),
        "arc_slot", bytes_of(arc_slot, (Py_ssize_t)m_in * 4));
done:
    if (up)
        for (int32_t x = 0; x <= n; x++) free(up[x].a);
    free(up);
    free(rank);
    free(parent);
    free(up_first);
    free(up_head);
    free(arc_slot);
    free(arc_low);
    free(down_first);
    free(down_arc);
    PyBuffer_Release(&b_order);
    PyBuffer_Release(&b_tail);
    PyBuffer_Release(&b_head);
    return result;
}

/* ------------------------------------------------------------------ the hierarchy */

enum { B_RANK, B_ORDER, B_FIRST, B_HEAD, B_LOW, B_DFIRST, B_DARC, B_PARENT, B_SLOT, NB };
/* The partition for parallel customisation (see partition()), saved with a region or made on first use. */
enum { P_FIRST, P_NODES, P_ROOT, P_CHILDREN, P_TASK, NP };
static char *part_names[] = {"chunk_first", "chunk_nodes", "chunk_root", "top_children", "top_task", NULL};

typedef struct {
    PyObject_HEAD int32_t n;
    int32_t m;
    int64_t m_in;
    const int32_t *rank, *order, *up_first, *up_head, *parent, *arc_slot;
    const int32_t *arc_low, *down_first, *down_arc; /* lower end of each arc; the arcs below each node */
    /* chunk q's nodes ascending are chunk_nodes[chunk_first[q]:chunk_first[q + 1]], the top part's after the last
     * chunk; per chunk its root (chunk_root); per top node its children in the elimination tree (top_children) and
     * its task (top_task, -1 elsewhere). NULL until given or made; part_owned[i] when made here. */
    int32_t chunks;
    const int32_t *part[NP];
    int32_t *part_owned[NP];
    uint32_t *spare; /* a dead metric's buffer, for the next customisation (taken and given back with the GIL) */
    Py_buffer bufs[NB + NP];
    int nbufs;
} CCHObject;

static size_t metric_bytes(const CCHObject *c) { return 16 * (size_t)c->m + 64; }
static size_t ws_bytes(const CCHObject *c) { return 16 * ((size_t)c->n + 1); }

/* Customisation workspaces kept between customisations, one per thread, shared by every hierarchy of the process (so
 * their memory does not grow with the number of regions): taken and given back with the GIL held; one too small for
 * a hierarchy is replaced by a larger one. */
static uint64_t *ws_pool[MAX_THREADS];
static size_t ws_pool_bytes[MAX_THREADS];

/* Large buffers straight from the kernel, in huge pages where it allows (fewer faults and TLB misses); from malloc
 * under AddressSanitizer, which then sees their bounds. Not zeroed for the caller (mapped pages happen to be). */
static void *big_alloc(size_t bytes) {
#if defined(__SANITIZE_ADDRESS__)
    return malloc(bytes);
#else
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
#endif
}

static void big_free(void *p, size_t bytes) {
#if defined(__SANITIZE_ADDRESS__)
    free(p);
#else
    if (p) munmap(p, bytes);
#endif
}

static void cch_dealloc(CCHObject *c) {
    for (int i = 0; i < c->nbufs; i++) PyBuffer_Release(&c->bufs[i]);
    for (int i = 0; i < NP; i++) free(c->part_owned[i]);
    big_free(c->spare, metric_bytes(c));
    Py_TYPE(c)->tp_free((PyObject *)c);
}

/* A saved partition must be one of this tree (else a customisation could read rows not yet final, or wait for ever):
 * the chunks and the top part cover every node once, ascending; a node's parent is in its chunk, or it is its chunk's
 * root or a top node and its parent is a top node (or none); top_children counts the children of each top node;
 * top_task numbers the top part in order. */
static int check_partition(const CCHObject *c) {
    int32_t n = c->n, k = c->chunks, ok = 1;
    const int32_t *first = c->part[P_FIRST], *nodes = c->part[P_NODES], *root = c->part[P_ROOT];
    const int32_t *children = c->part[P_CHILDREN], *task = c->part[P_TASK];
    int32_t *of = malloc((size_t)n * 4 + 4), *count = calloc((size_t)n + 1, 4); /* chunk of each node (k: top) */
    if (!of || !count) { free(of); free(count); PyErr_NoMemory(); return -1; }
    for (int32_t z = 0; z < n; z++) of[z] = -1;
    ok = first[0] == 0 && first[k + 1] == n;
    for (int32_t q = 0; ok && q <= k; q++) {
        ok = first[q] <= first[q + 1];
        for (int32_t i = first[q]; ok && i < first[q + 1]; i++) {
            int32_t z = nodes[i];
            ok = z >= 0 && z < n && of[z] < 0 && (i == first[q] || nodes[i - 1] < z);
            if (ok) of[z] = q;
        }
    }
    for (int32_t q = 0; ok && q < k; q++) ok = root[q] >= 0 && root[q] < n && of[root[q]] == q;
    for (int32_t z = 0; ok && z < n; z++) {
        int32_t p = c->parent[z], top = of[z] == k, is_root = !top && root[of[z]] == z;
        ok = p < n && (top || task[z] == -1);
        if (!ok) break;
        if (top || is_root) {
            ok = p < 0 || of[p] == k;
            if (ok && p >= 0) count[p]++;
        } else ok = p >= 0 && of[p] == of[z];
    }
    for (int32_t i = first[k]; ok && i < n; i++) ok = task[nodes[i]] == k + (i - first[k]);
    for (int32_t z = 0; ok && z < n; z++) ok = children[z] == (of[z] == k ? count[z] : 0);
    free(of);
    free(count);
    if (!ok) { PyErr_SetString(PyExc_ValueError, "the CCH's partition does not fit its elimination tree"); return -1; }
    return 0;
}

static int cch_init(CCHObject *c, PyObject *args, PyObject *kw) {
    static char *names[] = {"rank",     "order",  "up_first", "up_head",     "arc_low",    "down_first",
                            "down_arc", "parent", "arc_slot", "chunk_first", "chunk_nodes", "chunk_root",
                            "top_children", "top_task", NULL};
    PyObject *o[NB + NP] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOOOO|$OOOOO", names, &o[0], &o[1], &o[2], &o[3], &o[4], &o[5],
                                     &o[6], &o[7], &o[8], &o[9], &o[10], &o[11], &o[12], &o[13]))
        return -1;
    if (c->nbufs) { PyErr_SetString(PyExc_RuntimeError, "CCH already initialised"); return -1; }
    int given = 0;
    for (int i = NB; i < NB + NP; i++) given += o[i] != NULL && o[i] != Py_None;
    if (given != 0 && given != NP) { PyErr_SetString(PyExc_TypeError, "give all of the partition's arrays or none"); return -1; }
    for (int i = 0; i < (given ? NB + NP : NB); i++) {
        if (get_buf(o[i], &c->bufs[i], 4, names[i]) < 0) return -1;
        c->nbufs = i + 1;
    }
    c->rank = c->bufs[B_RANK].buf;
    c->order = c->bufs[B_ORDER].buf;
    c->up_first = c->bufs[B_FIRST].buf;
    c->up_head = c->bufs[B_HEAD].buf;
    c->parent = c->bufs[B_PARENT].buf;
    c->arc_slot = c->bufs[B_SLOT].buf;
    c->arc_low = c->bufs[B_LOW].buf;
    c->down_first = c->bufs[B_DFIRST].buf;
    c->down_arc = c->bufs[B_DARC].buf;
    c->n = (int32_t)(c->bufs[B_RANK].len / 4);
    c->m = (int32_t)(c->bufs[B_HEAD].len / 4);
    c->m_in = c->bufs[B_SLOT].len / 4;
    if (c->bufs[B_ORDER].len / 4 != c->n || c->bufs[B_FIRST].len / 4 != (Py_ssize_t)c->n + 1 ||
        c->bufs[B_PARENT].len / 4 != c->n ||
        c->up_first[c->n] != c->m || c->bufs[B_LOW].len / 4 != c->m || c->bufs[B_DARC].len / 4 != c->m ||
        c->bufs[B_DFIRST].len / 4 != (Py_ssize_t)c->n + 1 || c->down_first[c->n] != c->m) {
        PyErr_SetString(PyExc_ValueError, "CCH arrays do not fit together");
        return -1;
    }
    if (!given) return 0;
    Py_ssize_t k = c->bufs[NB + P_ROOT].len / 4;
    if (c->bufs[NB + P_FIRST].len / 4 != k + 2 || c->bufs[NB + P_NODES].len / 4 != c->n ||
        c->bufs[NB + P_CHILDREN].len / 4 != c->n || c->bufs[NB + P_TASK].len / 4 != c->n) {
        PyErr_SetString(PyExc_ValueError, "the CCH's partition arrays do not fit together");
        return -1;
    }
    c->chunks = (int32_t)k;
    for (int i = 0; i < NP; i++) c->part[i] = c->bufs[NB + i].buf;
    if (check_partition(c) < 0) {
        for (int i = 0; i < NP; i++) c->part[i] = NULL;
        return -1;
    }
    return 0;
}

static int partition(CCHObject *c);

/* partition() -> dict of int32 bytearrays: the partition for parallel customisation (made now if need be), to save. */
static PyObject *cch_partition(CCHObject *c, PyObject *unused) {
    if (!c->nbufs) { PyErr_SetString(PyExc_RuntimeError, "CCH not initialised"); return NULL; }
    if (!c->part[P_FIRST] && partition(c) < 0) return NULL;
    Py_ssize_t len[NP] = {(Py_ssize_t)c->chunks + 2, c->n, c->chunks, c->n, c->n};
    PyObject *d = PyDict_New();
    for (int i = 0; d && i < NP; i++) {
        PyObject *b = bytes_of(c->part[i], len[i] * 4);
        if (!b || PyDict_SetItemString(d, part_names[i], b) < 0) Py_CLEAR(d);
        Py_XDECREF(b);
    }
    return d;
}

static PyObject *cch_get_n(CCHObject *c, void *u) { return PyLong_FromLong(c->n); }
static PyObject *cch_get_m(CCHObject *c, void *u) { return PyLong_FromLong(c->m); }
static PyObject *cch_get_partitioned(CCHObject *c, void *u) { return PyBool_FromLong(c->part[P_FIRST] != NULL); }
static PyGetSetDef cch_getset[] = {
    {"node_count", (getter)cch_get_n, NULL, "nodes", NULL},
    {"arc_count", (getter)cch_get_m, NULL, "arcs of the hierarchy (original arcs and shortcuts, each pair once)", NULL},
    {"partitioned", (getter)cch_get_partitioned, NULL, "whether the partition for parallel customisation is there", NULL},
    {NULL}};

static PyMethodDef cch_methods[] = {
    {"partition", (PyCFunction)cch_partition, METH_NOARGS, "the partition for parallel customisation, to save"}, {NULL}};

static PyTypeObject CCHType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.routing._cch.CCH",
    .tp_basicsize = sizeof(CCHObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A contraction hierarchy over saved arrays (see fevermap.routing.cch).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)cch_init,
    .tp_dealloc = (destructor)cch_dealloc,
    .tp_getset = cch_getset,
    .tp_methods = cch_methods,
};

/* ------------------------------------------------------------------ metrics (customisation) */

typedef struct {
    PyObject_HEAD CCHObject *cch;
    uint32_t *w;     /* 4 m values: up, dn, up tags, dn tags */
    uint32_t *owned; /* w when computed here, else NULL (a saved metric's buffer) */
    Py_buffer bufs[1];
    int nbufs;
} MetricObject;

static const double *qsort_r_sub; /* partition()'s sort key; set and used with the GIL held */
static int cmp_sub_desc(const void *p, const void *q) {
    double a = qsort_r_sub[*(const int32_t *)p], b = qsort_r_sub[*(const int32_t *)q];
    return (a < b) - (a > b);
}

static inline void pmin(uint64_t *p, uint64_t v) { /* always stores: no branch to mispredict */
    uint64_t o = *p;
    *p = v < o ? v : o;
}

/* Customise x's row (its upward arcs {x, y}) from its lower triangles: for each arc z to x below x, every later
 * upward arc z to y of z (all above x, all upper neighbours of x: the graph is chordal) offers x to y and y to x
 * through z. The row is gathered into ws (per head, up then dn, n each), relaxed there and written back, so a row is
 * written only by its own node: rows of nodes none of which is below another can be customised at the same time.
 * Packed minima make the result independent of the order of the triangles. A sum is not tested against INF: both
 * terms are at most INF, so it fits in 32 bits, and one at or above INF (tag >= 1) never beats the entry it is offered
 * to, which starts at most (INF << 32) | 0 (tags start at 0) and only falls; dropping the tests (unpredictable in turn
 * graphs, full of one-way arcs) and the branch in pmin() made Porto's customisation a third faster. */
static void pull_row(const CCHObject *c, uint32_t *w, int32_t x, uint64_t *ws) {
    const int32_t *head = c->up_head;
    size_t m = (size_t)c->m;
    uint32_t *up = w, *dn = w + m, *ut = w + 2 * m, *dt = w + 3 * m;
    int32_t b = c->up_first[x], e = c->up_first[x + 1];
    if (b == e) return;
    uint64_t *wsd = ws + c->n;
    for (int32_t a = b; a < e; a++)
        ws[head[a]] = ((uint64_t)up[a] << 32) | ut[a], wsd[head[a]] = ((uint64_t)dn[a] << 32) | dt[a];
    for (int32_t d = c->down_first[x]; d < c->down_first[x + 1]; d++) {
        int32_t zx = c->down_arc[d], z = c->arc_low[zx], ze = c->up_first[z + 1];
        uint64_t uzx = up[zx], dzx = dn[zx]; /* z to x, x to z */
        uint64_t tag = (uint64_t)z + 1;
        if (dzx < INF && uzx < INF) {
            for (int32_t j = zx + 1; j < ze; j++) {
                int32_t y = head[j];
                uint64_t wu = dzx + up[j], wd = dn[j] + uzx;
                pmin(&ws[y], (wu << 32) | tag);
                pmin(&wsd[y], (wd << 32) | tag);
            }
        } else if (dzx < INF) { /* one-way arcs are common in turn graphs: x to y through z only */
            for (int32_t j = zx + 1; j < ze; j++) {
                uint64_t wu = dzx + up[j];
                pmin(&ws[head[j]], (wu << 32) | tag);
            }
        } else if (uzx < INF) { /* y to x through z only */
            for (int32_t j = zx + 1; j < ze; j++) {
                uint64_t wd = dn[j] + uzx;
                pmin(&wsd[head[j]], (wd << 32) | tag);
            }
        }
    }
    for (int32_t a = b; a < e; a++) {
        uint64_t u = ws[head[a]], v = wsd[head[a]];
        up[a] = (uint32_t)(u >> 32), ut[a] = (uint32_t)u, dn[a] = (uint32_t)(v >> 32), dt[a] = (uint32_t)v;
    }
}


/* Split the elimination tree for parallel customisation: the heaviest subtrees are opened (their roots go to the
 * top part) until no subtree holds more than 1/32 of the work; the subtrees left are chunks, each customised
 * bottom-up by one thread, and each top node is customised once its children's tasks are done. */
static int partition(CCHObject *c) {
    int32_t n = c->n;
    double *sub = calloc((size_t)n + 1, sizeof(double));
    int32_t *child_first = calloc((size_t)n + 3, 4), *child = malloc((size_t)n * 4 + 4);
    int32_t *heap = malloc((size_t)n * 4 + 4), *chunk = malloc((size_t)n * 4 + 4);
    uint8_t *top = calloc((size_t)n + 1, 1);
    int32_t *first = NULL, *nodes = NULL, *root = NULL, *children = NULL, *task = NULL;
    if (!sub || !child_first || !child || !heap || !chunk || !top) goto oom;
    double total = 0;
    for (int32_t z = 0; z < n; z++) {
        int32_t b = c->up_first[z], e = c->up_first[z + 1];
        double wz = 1;
        for (int32_t i = b; i < e; i++) wz += (e - i - 1) + (c->up_first[c->up_head[i] + 1] - c->up_first[c->up_head[i]]);
        sub[z] += wz;
        total += wz;
        if (c->parent[z] >= 0) sub[c->parent[z]] += sub[z];
        child_first[c->parent[z] + 2]++; /* children of v in bucket v + 1 (roots: the virtual node -1, bucket 0) */
    }
    for (int32_t v = 0; v <= n + 1; v++) child_first[v + 1] += child_first[v];
    {
        int32_t *fill = malloc(((size_t)n + 1) * 4);
        if (!fill) goto oom;
        memcpy(fill, child_first, ((size_t)n + 1) * 4);
        for (int32_t z = 0; z < n; z++) child[fill[c->parent[z] + 1]++] = z;
        free(fill);
    }
    /* a binary max-heap of subtree roots by work */
    int32_t hn = 0;
#define HLESS(a, b) (sub[heap[a]] < sub[heap[b]])
#define HSWAP(a, b) do { int32_t t_ = heap[a]; heap[a] = heap[b]; heap[b] = t_; } while (0)
#define HPUSH(v) do { heap[hn] = (v); for (int32_t i_ = hn++; i_ > 0 && HLESS((i_ - 1) / 2, i_); i_ = (i_ - 1) / 2) HSWAP(i_, (i_ - 1) / 2); } while (0)
    for (int32_t q = child_first[0]; q < child_first[1]; q++) HPUSH(child[q]);
    double limit = total / 32;
    while (hn > 0 && sub[heap[0]] > limit) {
        int32_t r = heap[0];
        heap[0] = heap[--hn];
        for (int32_t i = 0;;) {
            int32_t l = 2 * i + 1, big = i;
            if (l < hn && HLESS(big, l)) big = l;
            if (l + 1 < hn && HLESS(big, l + 1)) big = l + 1;
            if (big == i) break;
            HSWAP(i, big);
            i = big;
        }
        top[r] = 1;
        for (int32_t q = child_first[r + 1]; q < child_first[r + 2]; q++) HPUSH(child[q]);
    }
    /* chunks: heaviest first, so that the threads finish close together */
    qsort_r_sub = sub;
    qsort(heap, (size_t)hn, 4, cmp_sub_desc);
    for (int32_t z = 0; z < n; z++) chunk[z] = -1;
    for (int32_t i = 0; i < hn; i++) chunk[heap[i]] = i;
    for (int32_t z = n - 1; z >= 0; z--)
        if (chunk[z] < 0 && !top[z] && c->parent[z] >= 0) chunk[z] = chunk[c->parent[z]];
    first = calloc((size_t)hn + 2, 4);
    nodes = malloc((size_t)n * 4 + 4);
    root = malloc((size_t)hn * 4 + 4);
    children = calloc((size_t)n + 1, 4);
    task = malloc((size_t)n * 4 + 4);
    if (!first || !nodes || !root || !children || !task) goto oom;
    int32_t ntop = 0;
    for (int32_t z = 0; z < n; z++) {
        if (chunk[z] >= 0) first[chunk[z] + 1]++;
        else ntop++;
    }
    first[hn + 1] = ntop; /* the top part is the last "chunk" */
    for (int32_t i = 0; i <= hn; i++) first[i + 1] += first[i];
    {
        int32_t *fill = malloc(((size_t)hn + 1) * 4);
        if (!fill) goto oom;
        memcpy(fill, first, ((size_t)hn + 1) * 4);
        for (int32_t z = 0; z < n; z++) nodes[fill[chunk[z] >= 0 ? chunk[z] : hn]++] = z; /* ascending */
        free(fill);
    }
    memcpy(root, heap, (size_t)hn * 4);
    for (int32_t z = 0; z < n; z++) {
        task[z] = -1;
        if (top[z]) children[z] = child_first[z + 2] - child_first[z + 1];
    }
    for (int32_t k = first[hn]; k < first[hn + 1]; k++) task[nodes[k]] = hn + (k - first[hn]);
    c->chunks = hn;
    int32_t *made[NP] = {first, nodes, root, children, task};
    for (int i = 0; i < NP; i++) c->part[i] = c->part_owned[i] = made[i];
    free(sub);
    free(child_first);
    free(child);
    free(heap);
    free(chunk);
    free(top);
    return 0;
oom:
    free(sub);
    free(child_first);
    free(child);
    free(heap);
    free(chunk);
    free(top);
    free(first);
    free(nodes);
    free(root);
    free(children);
    free(task);
    PyErr_NoMemory();
    return -1;
}

/* The initial weights of arcs [lo, hi): INF, or the least input arc weight mapped there; tags 0. */
static void init_arcs(const CCHObject *c, const int64_t *win, uint32_t *w, int32_t lo, int32_t hi) {
    size_t m = (size_t)c->m;
    for (int32_t a = lo; a < hi; a++) w[a] = INF, w[m + a] = INF;
    memset(w + 2 * m + lo, 0, (size_t)(hi - lo) * 4);
    memset(w + 3 * m + lo, 0, (size_t)(hi - lo) * 4);
    for (int64_t i = 0; i < c->m_in; i++) {
        int32_t s = c->arc_slot[i], a = s >> 1;
        if (s < 0 || a < lo || a >= hi || win[i] < 0 || win[i] >= INF) continue;
        uint32_t *slot = &w[(s & 1) * m + (size_t)a];
        if ((uint32_t)win[i] < *slot) *slot = (uint32_t)win[i];
    }
}

/* Parallel customisation as tasks: first the initial weights, a slice of the arcs per thread; then each chunk is one
 * task and each top node another; a top node's task is ready when the tasks of all its children in the elimination
 * tree are done (so the two halves under a separator run at the same time, and only the chains of separators wait). */
typedef struct {
    const CCHObject *c;
    const int64_t *win;
    uint32_t *w;
    pthread_mutex_t lock;
    pthread_cond_t ready_cond;
    int32_t slices, slices_taken, slices_done; /* the initial weights */
    int32_t *ready, ready_len, remaining;      /* a stack of ready tasks; tasks not finished */
    int32_t *pending;                          /* per top node: children whose tasks are not finished */
} task_job;

typedef struct {
    task_job *job;
    uint64_t *ws;
} task_worker_arg;

static void *task_worker(void *arg) {
    task_job *job = ((task_worker_arg *)arg)->job;
    uint64_t *ws = ((task_worker_arg *)arg)->ws;
    const CCHObject *c = job->c;
    const int32_t *first = c->part[P_FIRST], *nodes = c->part[P_NODES];
    pthread_mutex_lock(&job->lock);
    while (job->slices_taken < job->slices) {
        int64_t k = job->slices_taken++;
        pthread_mutex_unlock(&job->lock);
        init_arcs(c, job->win, job->w, (int32_t)(k * c->m / job->slices), (int32_t)((k + 1) * c->m / job->slices));
        pthread_mutex_lock(&job->lock);
        if (++job->slices_done == job->slices) pthread_cond_broadcast(&job->ready_cond);
    }
    while (job->slices_done < job->slices) pthread_cond_wait(&job->ready_cond, &job->lock);
    for (;;) {
        while (job->ready_len == 0 && job->remaining > 0) pthread_cond_wait(&job->ready_cond, &job->lock);
        if (job->ready_len == 0) break;
        int32_t task = job->ready[--job->ready_len];
        pthread_mutex_unlock(&job->lock);
        int32_t root;
        if (task < c->chunks) {
            for (int32_t k = first[task]; k < first[task + 1]; k++) pull_row(c, job->w, nodes[k], ws);
            root = c->part[P_ROOT][task];
        } else {
            root = nodes[first[c->chunks] + (task - c->chunks)];
            pull_row(c, job->w, root, ws);
        }
        int32_t p = c->parent[root];
        pthread_mutex_lock(&job->lock);
        job->remaining--;
        if (p >= 0 && --job->pending[p] == 0) {
            job->ready[job->ready_len++] = c->part[P_TASK][p];
            pthread_cond_signal(&job->ready_cond);
        }
        if (job->remaining == 0) pthread_cond_broadcast(&job->ready_cond);
    }
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

static int customise_parallel(const CCHObject *c, const int64_t *win, uint32_t *w, int threads, uint64_t **ws) {
    const int32_t *first = c->part[P_FIRST], *nodes = c->part[P_NODES];
    int32_t ntop = first[c->chunks + 1] - first[c->chunks];
    task_job job = {c, win, w, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, threads, 0, 0,
                    NULL, 0, c->chunks + ntop, NULL};
    job.ready = malloc(((size_t)c->chunks + ntop + 1) * 4);
    job.pending = malloc((size_t)c->n * 4 + 4);
    if (!job.ready || !job.pending) {
        free(job.ready);
        free(job.pending);
        return -1;
    }
    memcpy(job.pending, c->part[P_CHILDREN], (size_t)c->n * 4);
    for (int32_t q = c->chunks - 1; q >= 0; q--) job.ready[job.ready_len++] = q; /* the heaviest chunk on top */
    for (int32_t k = 0; k < ntop; k++)
        if (job.pending[nodes[first[c->chunks] + k]] == 0) job.ready[job.ready_len++] = c->chunks + k;
    pthread_t tid[MAX_THREADS];
    task_worker_arg args[MAX_THREADS];
    int started = 0;
    for (int t = 0; t < threads; t++) args[t].job = &job, args[t].ws = ws[t];
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, task_worker, &args[started + 1]) == 0) started++;
    task_worker(&args[0]); /* the slices and tasks of threads that did not start are taken by the others */
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    free(job.ready);
    free(job.pending);
    return 0;
}

/* Customise w (up, dn, up tags, dn tags) from the weights of the input arcs, with a workspace per thread; 0 on
 * success, -1 out of memory. With threads > 1 (and a partition) the tasks are shared out by plain threads (no
 * OpenMP: its runtime does not survive the fork of a server's workers). */
static int customise(const CCHObject *c, const int64_t *win, uint32_t *w, int threads, uint64_t **ws) {
    if (threads > 1) return customise_parallel(c, win, w, threads, ws);
    init_arcs(c, win, w, 0, c->m);
    for (int32_t x = 0; x < c->n; x++) pull_row(c, w, x, ws[0]); /* ascending rank: rows below x are final */
    return 0;
}

static void metric_dealloc(MetricObject *m) {
    for (int i = 0; i < m->nbufs; i++) PyBuffer_Release(&m->bufs[i]);
    if (m->owned && m->cch && !m->cch->spare) { /* kept for the next customisation; the kernel may take its pages */
        m->cch->spare = m->owned;
#if defined(MADV_FREE) && !defined(__SANITIZE_ADDRESS__)
        madvise(m->owned, metric_bytes(m->cch), MADV_FREE);
#endif
    } else if (m->owned && m->cch) big_free(m->owned, metric_bytes(m->cch));
    Py_XDECREF(m->cch);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

/* Metric(cch, weights=int64 buffer per input arc, threads=1) or Metric(cch, packed=buffer) (a saved metric). */
static int metric_init(MetricObject *m, PyObject *args, PyObject *kw) {
    static char *names[] = {"cch", "weights", "threads", "packed", NULL};
    PyObject *o_cch, *o_w = Py_None, *o_packed = Py_None;
    int threads = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!|O$iO", names, &CCHType, &o_cch, &o_w, &threads, &o_packed))
        return -1;
    if (m->cch) { PyErr_SetString(PyExc_RuntimeError, "Metric already initialised"); return -1; }
    CCHObject *c = (CCHObject *)o_cch;
    Py_INCREF(c);
    m->cch = c;
    if (o_w != Py_None) {
        Py_buffer bw;
        if (get_buf(o_w, &bw, 8, "weights") < 0) return -1;
        if (bw.len / 8 != c->m_in) {
            PyBuffer_Release(&bw);
            PyErr_Format(PyExc_ValueError, "weights: %zd values for %lld arcs", bw.len / 8, (long long)c->m_in);
            return -1;
        }
        threads = threads < 1 ? 1 : (threads > MAX_THREADS ? MAX_THREADS : threads);
        if (threads > 1 && !c->part[P_FIRST] && partition(c) < 0) { PyBuffer_Release(&bw); return -1; }
        /* the GIL is held: take the kept buffers (another customisation at the same time allocates its own) */
        uint64_t *ws[MAX_THREADS] = {NULL};
        size_t need = ws_bytes(c), got[MAX_THREADS] = {0};
        int ok = 1;
        m->owned = c->spare ? c->spare : big_alloc(metric_bytes(c));
        c->spare = NULL;
        for (int t = 0; t < threads; t++) {
            if (ws_pool[t] && ws_pool_bytes[t] >= need) ws[t] = ws_pool[t], got[t] = ws_pool_bytes[t], ws_pool[t] = NULL;
            else ws[t] = big_alloc(need), got[t] = need;
            ok &= ws[t] != NULL;
        }
        m->w = m->owned;
        const int64_t *win = bw.buf;
        if (ok && m->owned) {
            Py_BEGIN_ALLOW_THREADS
            ok = customise(c, win, m->w, threads, ws) == 0;
            Py_END_ALLOW_THREADS
        } else ok = 0;
        PyBuffer_Release(&bw);
        for (int t = 0; t < threads; t++) { /* the pool keeps the larger */
            if (ws[t] && (!ws_pool[t] || ws_pool_bytes[t] < got[t])) {
                big_free(ws_pool[t], ws_pool_bytes[t]);
                ws_pool[t] = ws[t], ws_pool_bytes[t] = got[t];
            } else big_free(ws[t], got[t]);
        }
        if (!ok) { PyErr_NoMemory(); return -1; }
        return 0;
    }
    if (o_packed == Py_None) { PyErr_SetString(PyExc_TypeError, "give weights, or packed"); return -1; }
    if (get_buf(o_packed, &m->bufs[0], 4, "packed (uint32)") < 0) return -1;
    m->nbufs = 1;
    if (m->bufs[0].len / 4 != 4 * (Py_ssize_t)c->m) {
        PyErr_SetString(PyExc_ValueError, "packed must have four values per arc of the hierarchy");
        return -1;
    }
    m->w = m->bufs[0].buf;
    return 0;
}

static PyObject *metric_packed(MetricObject *m, PyObject *unused) {
    if (!m->cch) { PyErr_SetString(PyExc_RuntimeError, "Metric not initialised"); return NULL; }
    return bytes_of(m->w, (Py_ssize_t)m->cch->m * 16);
}

static PyObject *metric_get_mapped(MetricObject *m, void *u) { return PyBool_FromLong(m->nbufs > 0); }
static PyGetSetDef metric_getset[] = {
    {"mapped", (getter)metric_get_mapped, NULL, "a view of a saved metric's buffer (no customisation of its own)", NULL},
    {NULL}};

static PyMethodDef metric_methods[] = {
    {"packed", (PyCFunction)metric_packed, METH_NOARGS, "the customised weights and tags as a bytearray (uint32: up, dn, up tags, dn tags), to save"}, {NULL}};

static PyTypeObject MetricType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.routing._cch.Metric",
    .tp_basicsize = sizeof(MetricObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A customised metric of a CCH (immutable once built).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)metric_init,
    .tp_dealloc = (destructor)metric_dealloc,
    .tp_methods = metric_methods,
    .tp_getset = metric_getset,
};

/* ------------------------------------------------------------------ pinned node sets */

typedef struct {
    PyObject_HEAD CCHObject *cch;
    int32_t *nodes; /* ranks of the pinned nodes, in the caller's order */
    int32_t count;
    int32_t *span; /* their elimination-tree ancestors (themselves included), ascending */
    int32_t span_len;
} PinnedObject;

static void pinned_dealloc(PinnedObject *p) {
    free(p->nodes);
    free(p->span);
    Py_XDECREF(p->cch);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

static int pinned_init(PinnedObject *p, PyObject *args, PyObject *kw) {
    static char *names[] = {"cch", "nodes", NULL};
    PyObject *o_cch, *o_nodes;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O", names, &CCHType, &o_cch, &o_nodes)) return -1;
    if (p->cch) { PyErr_SetString(PyExc_RuntimeError, "Pinned already initialised"); return -1; }
    CCHObject *c = (CCHObject *)o_cch;
    Py_INCREF(c);
    p->cch = c;
    Py_buffer b;
    if (get_buf(o_nodes, &b, 8, "nodes (int64)") < 0) return -1;
    const int64_t *v = b.buf;
    p->count = (int32_t)(b.len / 8);
    p->nodes = malloc((size_t)p->count * 4 + 4);
    size_t words = ((size_t)c->n + 63) / 64;
    uint64_t *mark = calloc(words + 1, 8); /* a bit per node: the span is read off in ascending order */
    if (!p->nodes || !mark) { free(mark); PyBuffer_Release(&b); PyErr_NoMemory(); return -1; }
    int64_t total = 0;
    for (int32_t i = 0; i < p->count; i++) {
        if (v[i] < 0 || v[i] >= c->n) {
            free(mark);
            PyBuffer_Release(&b);
            PyErr_Format(PyExc_ValueError, "pinned node %lld is not a node", (long long)v[i]);
            return -1;
        }
        p->nodes[i] = c->rank[v[i]];
    }
    PyBuffer_Release(&b);
    /* mark the nodes' ancestors, one step of every chain at a time: the chains' parent look-ups are independent, so
     * their cache misses overlap (a chain stops at a node already marked) */
    int32_t *cur = malloc((size_t)p->count * 4 + 4);
    if (!cur) { free(mark); PyErr_NoMemory(); return -1; }
    memcpy(cur, p->nodes, (size_t)p->count * 4);
    for (int32_t live = p->count, keep; live; live = keep) {
        keep = 0;
        for (int32_t i = 0; i < live; i++) {
            int32_t x = cur[i];
            if (x < 0 || (mark[x >> 6] >> (x & 63) & 1)) continue;
            mark[x >> 6] |= 1ull << (x & 63);
            total++;
            cur[keep++] = c->parent[x];
        }
    }
    free(cur);
    p->span = malloc((size_t)total * 4 + 4);
    if (!p->span) { free(mark); PyErr_NoMemory(); return -1; }
    int32_t k = 0;
    for (size_t i = 0; i < words; i++)
        for (uint64_t bits = mark[i]; bits; bits &= bits - 1) p->span[k++] = (int32_t)(64 * i + (size_t)__builtin_ctzll(bits));
    p->span_len = k;
    free(mark);
    return 0;
}

static PyObject *pinned_get_count(PinnedObject *p, void *u) { return PyLong_FromLong(p->count); }
static PyObject *pinned_get_span(PinnedObject *p, void *u) { return PyLong_FromLong(p->span_len); }
static PyGetSetDef pinned_getset[] = {{"count", (getter)pinned_get_count, NULL, "pinned nodes", NULL},
                                      {"span", (getter)pinned_get_span, NULL, "nodes a sweep visits", NULL},
                                      {NULL}};

static PyTypeObject PinnedType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.routing._cch.Pinned",
    .tp_basicsize = sizeof(PinnedObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A pinned node set for one-to-many sweeps (independent of the metric).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)pinned_init,
    .tp_dealloc = (destructor)pinned_dealloc,
    .tp_getset = pinned_getset,
};

/* ------------------------------------------------------------------ queries */

typedef struct {
    int32_t *node;
    uint32_t *dist;
    int32_t count;
} seeds_t;

typedef struct {
    PyObject_HEAD CCHObject *cch;
    uint32_t *df, *db, *dd, *sf, *sb;
    int32_t *pf, *pb, *lf, *lb, *seg;
    int64_t *path;
    int64_t path_len, path_cap;
    uint32_t epoch;
    int busy;
} QueryObject;

static void query_dealloc(QueryObject *q) {
    free(q->df);
    free(q->db);
    free(q->dd);
    free(q->sf);
    free(q->sb);
    free(q->pf);
    free(q->pb);
    free(q->lf);
    free(q->lb);
    free(q->seg);
    free(q->path);
    Py_XDECREF(q->cch);
    Py_TYPE(q)->tp_free((PyObject *)q);
}

static int query_init(QueryObject *q, PyObject *args, PyObject *kw) {
    static char *names[] = {"cch", NULL};
    PyObject *o_cch;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!", names, &CCHType, &o_cch)) return -1;
    if (q->cch) { PyErr_SetString(PyExc_RuntimeError, "Query already initialised"); return -1; }
    CCHObject *c = (CCHObject *)o_cch;
    Py_INCREF(c);
    q->cch = c;
    size_t n = (size_t)c->n + 1;
    q->df = malloc(n * 4);
    q->db = malloc(n * 4);
    q->dd = malloc(n * 4);
    q->sf = calloc(n, 4);
    q->sb = calloc(n, 4);
    q->pf = malloc(n * 4);
    q->pb = malloc(n * 4);
    q->lf = malloc(n * 4);
    q->lb = malloc(n * 4);
    q->seg = malloc(2 * n * 4 + 8); /* segment starts, then their merge; or a path's arcs */
    q->path_cap = 1024;
    q->path = malloc((size_t)q->path_cap * 8);
    if (!q->df || !q->db || !q->dd || !q->sf || !q->sb || !q->pf || !q->pb || !q->lf || !q->lb || !q->seg || !q->path) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Seeds from a sequence of (node, initial ms) pairs; nodes become ranks. */
static int parse_seeds(const CCHObject *c, PyObject *seq, seeds_t *s) {
    PyObject *fast = PySequence_Fast(seq, "seeds must be a sequence of (node, ms) pairs");
    if (!fast) return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(fast);
    s->count = (int32_t)k;
    s->node = malloc((size_t)k * 4 + 4);
    s->dist = malloc((size_t)k * 4 + 4);
    if (!s->node || !s->dist) { Py_DECREF(fast); PyErr_NoMemory(); return -1; }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *t = items[i];
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 2) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_TypeError, "a seed is a (node, ms) tuple");
            return -1;
        }
        long long v = PyLong_AsLongLong(PyTuple_GET_ITEM(t, 0));
        long long d = PyLong_AsLongLong(PyTuple_GET_ITEM(t, 1));
        if (PyErr_Occurred()) { Py_DECREF(fast); return -1; }
        if (v < 0 || v >= c->n) { Py_DECREF(fast); PyErr_Format(PyExc_ValueError, "seed node %lld is not a node", v); return -1; }
        s->node[i] = c->rank[v];
        s->dist[i] = d < 0 ? 0 : (d >= INF ? INF : (uint32_t)d);
    }
    Py_DECREF(fast);
    return 0;
}

static void free_seeds(seeds_t *s) {
    free(s->node);
    free(s->dist);
}

/* The seeds' elimination-tree ancestors in ascending order into list (returned count); dist INF but at the seeds,
 * pred -1, stamp set. Each seed's new chain is ascending; the chains are merged. */
static int32_t collect(const CCHObject *c, const seeds_t *s, uint32_t epoch, uint32_t *stamp, uint32_t *dist,
                       int32_t *pred, int32_t *list, int32_t *seg) {
    int32_t cnt = 0, nseg = 0;
    for (int32_t i = 0; i < s->count; i++) {
        int32_t start = cnt;
        for (int32_t x = s->node[i]; x >= 0 && stamp[x] != epoch; x = c->parent[x]) {
            stamp[x] = epoch;
            dist[x] = INF;
            pred[x] = -1;
            list[cnt++] = x;
        }
        if (cnt > start) seg[nseg++] = start;
    }
    for (int32_t i = 0; i < s->count; i++)
        if (s->dist[i] < dist[s->node[i]]) dist[s->node[i]] = s->dist[i];
    if (nseg <= 1) return cnt;
    /* k-way merge of the ascending chains (few seeds) into the tail of seg's storage */
    int32_t *out = seg + nseg, *pos = malloc((size_t)nseg * 8);
    if (!pos) return -1;
    int32_t *end = pos + nseg;
    for (int32_t j = 0; j < nseg; j++) pos[j] = seg[j], end[j] = j + 1 < nseg ? seg[j + 1] : cnt;
    for (int32_t k = 0; k < cnt; k++) {
        int32_t best = -1;
        for (int32_t j = 0; j < nseg; j++)
            if (pos[j] < end[j] && (best < 0 || list[pos[j]] < list[pos[best]])) best = j;
        out[k] = list[pos[best]++];
    }
    memcpy(list, out, (size_t)cnt * 4);
    free(pos);
    return cnt;
}

/* Relax the upward arcs of the listed nodes in order, with the up weights w (or the dn ones, for a backward search). */
static void sweep_up(const CCHObject *c, const uint32_t *w, uint32_t *dist, int32_t *pred, const int32_t *list, int32_t cnt) {
    for (int32_t q = 0; q < cnt; q++) {
        int32_t x = list[q];
        uint64_t dx = dist[x];
        if (dx >= INF) continue;
        for (int32_t a = c->up_first[x]; a < c->up_first[x + 1]; a++) {
            uint64_t nd = dx + w[a];
            int32_t y = c->up_head[a];
            if (nd < dist[y]) dist[y] = (uint32_t)nd, pred[y] = a;
        }
    }
}

static int push_node(QueryObject *q, int32_t rank) {
    if (q->path_len == q->path_cap) {
        int64_t *p = realloc(q->path, (size_t)q->path_cap * 16);
        if (!p) return -1;
        q->path = p;
        q->path_cap *= 2;
    }
    q->path[q->path_len++] = q->cch->order[rank];
    return 0;
}

static int unpack_dn(QueryObject *q, const MetricObject *m, int32_t a);

/* Arc a from its lower end x up to its head y: emit the nodes after x. */
/* A shortcut's halves: a1 (unpacked downwards, first) and a2 (upwards, after a1's whole subtree). Asking for a2's
 * middle node and ends now lets those loads overlap a1's unpacking: measured with two builds loaded in one process
 * on 2,000 Porto routes, each after snapping 60 other points (as a served process runs them), the engine's query
 * took 70-77 us against 77-87 us without. */
static inline void prefetch_halves(const CCHObject *c, const MetricObject *m, int32_t a1, int32_t a2) {
    __builtin_prefetch(m->w + 3 * (size_t)c->m + a1);
    __builtin_prefetch(m->w + 2 * (size_t)c->m + a2);
    __builtin_prefetch(c->arc_low + a2);
    __builtin_prefetch(c->up_head + a2);
}

static int unpack_up(QueryObject *q, const MetricObject *m, int32_t a) {
    const CCHObject *c = q->cch;
    int64_t mid = (int64_t)m->w[2 * (size_t)c->m + a] - 1;
    int32_t x = c->arc_low[a], y = c->up_head[a];
    if (mid < 0) return push_node(q, y);
    int32_t z = (int32_t)mid;
    int32_t a1 = find_arc(c->up_first, c->up_head, z, x), a2 = find_arc(c->up_first, c->up_head, z, y);
    prefetch_halves(c, m, a1, a2);
    if (unpack_dn(q, m, a1) < 0) return -1;
    return unpack_up(q, m, a2);
}

/* Arc a from its head y down to its lower end x: emit the nodes after y. */
static int unpack_dn(QueryObject *q, const MetricObject *m, int32_t a) {
    const CCHObject *c = q->cch;
    int64_t mid = (int64_t)m->w[3 * (size_t)c->m + a] - 1;
    int32_t x = c->arc_low[a], y = c->up_head[a];
    if (mid < 0) return push_node(q, x);
    int32_t z = (int32_t)mid;
    int32_t a1 = find_arc(c->up_first, c->up_head, z, y), a2 = find_arc(c->up_first, c->up_head, z, x);
    prefetch_halves(c, m, a1, a2);
    if (unpack_dn(q, m, a1) < 0) return -1;
    return unpack_up(q, m, a2);
}

static int begin(QueryObject *q, PyObject *o_metric, MetricObject **m) {
    if (!PyObject_TypeCheck(o_metric, &MetricType) || ((MetricObject *)o_metric)->cch != q->cch) {
        PyErr_SetString(PyExc_TypeError, "metric must be a Metric of this query's CCH");
        return -1;
    }
    if (q->busy) { PyErr_SetString(PyExc_RuntimeError, "a Query runs one call at a time (one per thread)"); return -1; }
    *m = (MetricObject *)o_metric;
    q->busy = 1;
    if (++q->epoch == 0) { /* wrapped: forget every stamp */
        memset(q->sf, 0, ((size_t)q->cch->n + 1) * 4);
        memset(q->sb, 0, ((size_t)q->cch->n + 1) * 4);
        q->epoch = 1;
    }
    return 0;
}

/* run(metric, sources, targets) -> (ms, node path as int64 bytearray) or None. */
static PyObject *query_run(QueryObject *q, PyObject *args) {
    PyObject *o_metric, *o_src, *o_dst;
    if (!PyArg_ParseTuple(args, "OOO", &o_metric, &o_src, &o_dst)) return NULL;
    MetricObject *m;
    seeds_t src = {0}, dst = {0};
    if (parse_seeds(q->cch, o_src, &src) < 0 || parse_seeds(q->cch, o_dst, &dst) < 0) {
        free_seeds(&src);
        free_seeds(&dst);
        return NULL;
    }
    if (begin(q, o_metric, &m) < 0) {
        free_seeds(&src);
        free_seeds(&dst);
        return NULL;
    }
    const CCHObject *c = q->cch;
    uint64_t best = INF;
    int32_t meet = -1, bad = 0;
    Py_BEGIN_ALLOW_THREADS
    int32_t nf = collect(c, &src, q->epoch, q->sf, q->df, q->pf, q->lf, q->seg);
    int32_t nb = collect(c, &dst, q->epoch, q->sb, q->db, q->pb, q->lb, q->seg);
    if (nf < 0 || nb < 0) bad = 1;
    else {
        /* Both lists ascend; merged, a node in both gives a meeting (a bound on the answer), and a side whose
         * distance at a node reaches the bound relaxes nothing from it (weights are not negative). */
        int32_t i = 0, j = 0;
        while (i < nf || j < nb) {
            int32_t x, fw = 0, bw = 0;
            if (j >= nb || (i < nf && q->lf[i] < q->lb[j])) x = q->lf[i++], fw = 1;
            else if (i >= nf || q->lb[j] < q->lf[i]) x = q->lb[j++], bw = 1;
            else x = q->lf[i++], j++, fw = bw = 1;
            uint64_t f = fw ? q->df[x] : INF, g = bw ? q->db[x] : INF;
            if (fw && bw && f + g < best) best = f + g, meet = x;
            if (f < best) sweep_up(c, m->w, q->df, q->pf, &x, 1);
            if (g < best) sweep_up(c, m->w + c->m, q->db, q->pb, &x, 1);
        }
        q->path_len = 0;
        if (meet >= 0) {
            int32_t cnt = 0, x = meet;
            for (int32_t y = meet; q->pb[y] >= 0; y = c->arc_low[q->pb[y]]) /* the middles of the arcs unpacked */
                __builtin_prefetch(m->w + 3 * (size_t)c->m + q->pb[y]);
            for (; q->pf[x] >= 0; x = c->arc_low[q->pf[x]]) {
                __builtin_prefetch(m->w + 2 * (size_t)c->m + q->pf[x]);
                q->seg[cnt++] = q->pf[x];
            }
            if (push_node(q, x) < 0) bad = 1;
            for (int32_t k = cnt - 1; k >= 0 && !bad; k--)
                if (unpack_up(q, m, q->seg[k]) < 0) bad = 1;
            for (x = meet; q->pb[x] >= 0 && !bad; x = c->arc_low[q->pb[x]])
                if (unpack_dn(q, m, q->pb[x]) < 0) bad = 1;
        }
    }
    Py_END_ALLOW_THREADS
    q->busy = 0;
    free_seeds(&src);
    free_seeds(&dst);
    if (bad) return PyErr_NoMemory();
    if (meet < 0 || best >= INF) Py_RETURN_NONE;
    return Py_BuildValue("KN", (unsigned long long)best, bytes_of(q->path, (Py_ssize_t)q->path_len * 8));
}

/* many(metric, pinned, seeds, reverse) -> float64 bytearray: for each pinned node, the distance from the seeds to it
 * (reverse: from it to the seeds); inf where there is no path. */
static PyObject *query_many(QueryObject *q, PyObject *args) {
    PyObject *o_metric, *o_pinned, *o_seeds;
    int reverse;
    if (!PyArg_ParseTuple(args, "OO!Op", &o_metric, &PinnedType, &o_pinned, &o_seeds, &reverse)) return NULL;
    PinnedObject *p = (PinnedObject *)o_pinned;
    if (p->cch != q->cch) { PyErr_SetString(PyExc_TypeError, "pinned set of another CCH"); return NULL; }
    MetricObject *m;
    seeds_t s = {0};
    if (parse_seeds(q->cch, o_seeds, &s) < 0) { free_seeds(&s); return NULL; }
    if (begin(q, o_metric, &m) < 0) { free_seeds(&s); return NULL; }
    const CCHObject *c = q->cch;
    PyObject *out = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)p->count * 8);
    int bad = 0;
    if (out) {
        double *res = (double *)PyByteArray_AS_STRING(out);
        const uint32_t *wu = m->w + (reverse ? c->m : 0), *wd = m->w + (reverse ? 0 : c->m);
        Py_BEGIN_ALLOW_THREADS
        int32_t nf = collect(c, &s, q->epoch, q->sf, q->df, q->pf, q->lf, q->seg);
        if (nf < 0) bad = 1;
        else {
            sweep_up(c, wu, q->df, q->pf, q->lf, nf);
            /* downwards over the pinned nodes' ancestors: every upper neighbour of one of them is one of them */
            for (int32_t k = p->span_len - 1; k >= 0; k--) {
                int32_t x = p->span[k];
                if (k >= SWEEP_PREFETCH) { /* the whole row a few nodes on: the sweep's rows lie apart; it waits on them */
                    int32_t z = p->span[k - SWEEP_PREFETCH];
                    for (int32_t f = c->up_first[z], l = c->up_first[z + 1]; f < l; f += 16) {
                        __builtin_prefetch(c->up_head + f);
                        __builtin_prefetch(wd + f);
                    }
                }
                uint64_t d = q->sf[x] == q->epoch ? q->df[x] : INF;
                for (int32_t a = c->up_first[x]; a < c->up_first[x + 1]; a++) {
                    uint64_t nd = (uint64_t)q->dd[c->up_head[a]] + wd[a];
                    if (nd < d) d = nd;
                }
                q->dd[x] = (uint32_t)(d < INF ? d : INF);
            }
            for (int32_t i = 0; i < p->count; i++) {
                uint32_t d = q->dd[p->nodes[i]];
                res[i] = d < INF ? (double)d : Py_HUGE_VAL;
            }
        }
        Py_END_ALLOW_THREADS
    }
    q->busy = 0;
    free_seeds(&s);
    if (bad) { Py_XDECREF(out); return PyErr_NoMemory(); }
    return out;
}

static PyMethodDef query_methods[] = {
    {"run", (PyCFunction)query_run, METH_VARARGS, "run(metric, sources, targets) -> (ms, node path bytes) | None"},
    {"many", (PyCFunction)query_many, METH_VARARGS, "many(metric, pinned, seeds, reverse) -> float64 bytes"},
    {NULL}};

static PyTypeObject QueryType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "fevermap.routing._cch.Query",
    .tp_basicsize = sizeof(QueryObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scratch space for elimination-tree queries on any metric of one CCH (one per thread).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)query_init,
    .tp_dealloc = (destructor)query_dealloc,
    .tp_methods = query_methods,
};

/* ------------------------------------------------------------------ module */

static PyMethodDef module_methods[] = {
    {"contract", py_contract, METH_VARARGS, "contract(order, tail, head) -> dict of int32 bytearrays"}, {NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "fevermap.routing._cch",
                                    "Native Customizable Contraction Hierarchy (see fevermap.routing.cch).", -1,
                                    module_methods};

PyMODINIT_FUNC PyInit__cch(void) {
    if (PyType_Ready(&CCHType) < 0 || PyType_Ready(&MetricType) < 0 || PyType_Ready(&PinnedType) < 0 ||
        PyType_Ready(&QueryType) < 0)
        return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (!mod) return NULL;
    Py_INCREF(&CCHType);
    Py_INCREF(&MetricType);
    Py_INCREF(&PinnedType);
    Py_INCREF(&QueryType);
    PyModule_AddObject(mod, "CCH", (PyObject *)&CCHType);
    PyModule_AddObject(mod, "Metric", (PyObject *)&MetricType);
    PyModule_AddObject(mod, "Pinned", (PyObject *)&PinnedType);
    PyModule_AddObject(mod, "Query", (PyObject *)&QueryType);
    PyModule_AddIntConstant(mod, "INF", INF);
    return mod;
}
