/* Per-character and per-segment loops over pdfium's C API, for pipeline.ingest.readers.pdfium_page.
 *
 * Python calls each pdfium function through ctypes at about a microsecond a call; a page holds
 * thousands of characters and path segments. These loops make the same calls in C and fill
 * arrays that Python reads at once. The pdfium functions are passed in as pointers (the ones
 * pypdfium2's library exports), so this file links against nothing.
 */
#include <stddef.h>

typedef void *(*text_object_fn)(void *textpage, int index);
typedef int (*char_origin_fn)(void *textpage, int index, double *x, double *y);
typedef int (*count_segments_fn)(void *path);
typedef void *(*get_segment_fn)(void *path, int index);
typedef int (*segment_type_fn)(void *segment);
typedef int (*segment_point_fn)(void *segment, float *x, float *y);
typedef int (*segment_close_fn)(void *segment);

typedef void *(*object_font_fn)(void *text_object);
typedef double (*font_size_fn)(void *textpage, int index);
typedef struct { float a, b, c, d, e, f; } matrix_t; /* pdfium's FS_MATRIX */
typedef int (*char_matrix_fn)(void *textpage, int index, matrix_t *matrix);
typedef int (*glyph_width_fn)(void *font, unsigned int glyph, float size, float *width);

/* For characters 0..n-1 of a text page: the text object (0 if none), the origin, and of the
 * characters that have an object, the object's font, the character's font size and its matrix
 * (`matrix_ok` 0 where pdfium gives none), and the advance width of the character's code
 * (`codes`) at the font size times the matrix's horizontal scale (`width_ok` 0 where pdfium
 * gives none). Returns the number of characters whose origin pdfium could not give. */
int vn_char_objects(void *textpage, int n, text_object_fn text_object, char_origin_fn origin,
                    object_font_fn object_font, font_size_fn font_size, char_matrix_fn char_matrix,
                    glyph_width_fn glyph_width, const unsigned short *codes,
                    void **objects, double *xy, void **fonts, double *sizes, matrix_t *matrices,
                    int *matrix_ok, float *widths, int *width_ok) {
    int failed = 0;
    for (int i = 0; i < n; i++) {
        void *object = text_object(textpage, i);
        objects[i] = object;
        if (!origin(textpage, i, &xy[2 * i], &xy[2 * i + 1])) {
            xy[2 * i] = xy[2 * i + 1] = 0.0;
            failed++;
        }
        if (object != NULL) {
            fonts[i] = object_font(object);
            sizes[i] = font_size(textpage, i);
            matrix_ok[i] = char_matrix(textpage, i, &matrices[i]);
            widths[i] = 0.0f;
            width_ok[i] = matrix_ok[i] && fonts[i] != NULL &&
                          glyph_width(fonts[i], codes[i], (float)(sizes[i] * matrices[i].a), &widths[i]);
        } else {
            fonts[i] = NULL;
            sizes[i] = 0.0;
            matrix_ok[i] = 0;
            widths[i] = 0.0f;
            width_ok[i] = 0;
        }
    }
    return failed;
}

/* A path object's segments: type, point (in the path's own space) and close flag of each.
 * Returns the number of segments, -1 when pdfium cannot give one, or -2 when there are more
 * than `capacity`. */
int vn_path_segments(void *path, count_segments_fn count, get_segment_fn get, segment_type_fn type,
                     segment_point_fn point, segment_close_fn close, int capacity,
                     int *types, float *xy, int *closes) {
    int n = count(path);
    if (n < 0)
        return -1;
    if (n > capacity)
        return -2;
    for (int k = 0; k < n; k++) {
        void *segment = get(path, k);
        if (segment == NULL || !point(segment, &xy[2 * k], &xy[2 * k + 1]))
            return -1;
        types[k] = type(segment);
        closes[k] = close(segment);
    }
    return n;
}

typedef int (*count_objects_fn)(void *page);
typedef void *(*get_object_fn)(void *page, int index);
typedef int (*object_type_fn)(void *object);
typedef int (*object_bounds_fn)(void *object, float *left, float *bottom, float *right, float *top);
typedef int (*object_matrix_fn)(void *object, matrix_t *matrix);
typedef int (*draw_mode_fn)(void *path, int *fill, int *stroke);
typedef int (*text_size_fn)(void *text, float *size);

#define VN_TEXT 1
#define VN_PATH 2

/* The page's objects: handle, type, bounds (`ok` bit 1), matrix (bit 2), and of a path its fill
 * and stroke modes (bit 4), of a text object its font size (bit 4) and font. Returns the number
 * of objects, or -2 when there are more than `capacity`. */
int vn_page_objects(void *page, count_objects_fn count, get_object_fn get, object_type_fn type,
                    object_bounds_fn bounds, object_matrix_fn matrix, draw_mode_fn draw_mode,
                    text_size_fn text_size, object_font_fn text_font, int capacity,
                    void **objects, int *kinds, float *boxes, matrix_t *matrices, int *fills,
                    int *strokes, float *sizes, void **fonts, int *ok) {
    int n = count(page);
    if (n > capacity)
        return -2;
    for (int k = 0; k < n; k++) {
        void *object = get(page, k);
        int flags = 0, kind = object ? type(object) : 0;
        objects[k] = object;
        kinds[k] = kind;
        fills[k] = strokes[k] = 0;
        sizes[k] = 0.0f;
        fonts[k] = NULL;
        if (object == NULL) {
            ok[k] = 0;
            continue;
        }
        if (bounds(object, &boxes[4 * k], &boxes[4 * k + 1], &boxes[4 * k + 2], &boxes[4 * k + 3]))
            flags |= 1;
        if (kind == VN_TEXT || kind == VN_PATH) {
            if (matrix(object, &matrices[k]))
                flags |= 2;
        }
        if (kind == VN_PATH && draw_mode(object, &fills[k], &strokes[k]))
            flags |= 4;
        if (kind == VN_TEXT) {
            if (text_size(object, &sizes[k]))
                flags |= 4;
            fonts[k] = text_font(object);
        }
        ok[k] = flags;
    }
    return n;
}

#define VN_LINETO 0
#define VN_BEZIERTO 1
#define VN_MOVETO 2

#define SHAPE_LINE 0
#define SHAPE_RECT 1
#define SHAPE_CURVE 2

typedef struct {
    int capacity, count;
    double *points; /* x, y on the page, pdfminer's space (y up) */
} points_t;

typedef struct {
    int capacity, count;
    int *kinds, *starts, *counts; /* of each shape: line, rect or curve, its points */
} shapes_t;

/* Adds one shape with `n` points; 0 when the buffers are full. */
static int add_shape(shapes_t *shapes, points_t *out, int kind, const double *pts, int n) {
    if (shapes->count >= shapes->capacity || out->count + n > out->capacity)
        return 0;
    shapes->kinds[shapes->count] = kind;
    shapes->starts[shapes->count] = out->count;
    shapes->counts[shapes->count] = n;
    shapes->count++;
    for (int i = 0; i < 2 * n; i++)
        out->points[2 * out->count + i] = pts[i];
    out->count += n;
    return 1;
}

/* pdfminer's paint_path for one sub-path (`ops`: its operations m, l, c, h, starting with m;
 * `pts`: their points): a line (ml, mlh), a rectangle (four axis-parallel sides, closed: mlllh,
 * mllll back to the start) or else a curve through every point. 0 when the buffers are full. */
static int classify(const char *ops, const double *pts, int n, shapes_t *shapes, points_t *out) {
    char last = ops[n - 1];
    if (n > 3 && ops[n - 2] == 'l' && last == 'h' && pts[2 * (n - 2)] == pts[0] && pts[2 * (n - 2) + 1] == pts[1]) {
        n--; /* "...lh" back to the start: the l is the close, the h's point dropped */
        last = 'h';
    }
#define OP(i) ((i) == n - 1 ? last : ops[i])
    if ((n == 2 && OP(1) == 'l') || (n == 3 && OP(1) == 'l' && OP(2) == 'h'))
        return add_shape(shapes, out, SHAPE_LINE, pts, 2);
    if (n == 5 && OP(1) == 'l' && OP(2) == 'l' && OP(3) == 'l' && (OP(4) == 'h' || OP(4) == 'l')) {
        double x0 = pts[0], y0 = pts[1], x1 = pts[2], y1 = pts[3], x2 = pts[4], y2 = pts[5], x3 = pts[6], y3 = pts[7];
        int square = (x0 == x1 && y1 == y2 && x2 == x3 && y3 == y0) || (y0 == y1 && x1 == x2 && y2 == y3 && x3 == x0);
        if (pts[0] == pts[8] && pts[1] == pts[9] && square) {
            double corners[4] = {pts[0], pts[1], pts[4], pts[5]};
            return add_shape(shapes, out, SHAPE_RECT, corners, 2);
        }
    }
#undef OP
    return add_shape(shapes, out, SHAPE_CURVE, pts, n);
}

/* The shapes pdfminer makes of the page's painted paths (filled or stroked), for objects 0..n-1
 * as vn_page_objects gave them: each a line, a rectangle (two corners) or a curve (its points),
 * points on the page, in object order. Returns the number of shapes; -1 when a path cannot be
 * described for sure (pdfplumber then reads the page): no draw mode or matrix, a segment pdfium
 * cannot give, an unknown segment type, a curve cut short, a close that does not return to the
 * start; -2 when the buffers are too small (`needs`: the segments of the longest path). */
int vn_path_shapes(int n, void **objects, const int *kinds, const matrix_t *matrices, const int *fills,
                   const int *strokes, const int *ok, count_segments_fn count, get_segment_fn get,
                   segment_type_fn type, segment_point_fn point, segment_close_fn close,
                   int op_capacity, char *ops, double *op_points,
                   int shape_capacity, int *shape_kinds, int *shape_starts, int *shape_counts,
                   int point_capacity, double *points, int *needs) {
    shapes_t shapes = {shape_capacity, 0, shape_kinds, shape_starts, shape_counts};
    points_t out = {point_capacity, 0, points};
    *needs = 0;
    for (int k = 0; k < n; k++) {
        if (kinds[k] != VN_PATH)
            continue;
        if (!(ok[k] & 4))
            return -1;
        if (!fills[k] && !strokes[k])
            continue; /* neither filled nor stroked: pdfminer makes nothing of it */
        if (!(ok[k] & 2))
            return -1;
        void *path = objects[k];
        int segments = count(path);
        if (segments < 0)
            return -1;
        if (2 * segments > op_capacity) {
            *needs = segments;
            return -2;
        }
        const matrix_t *m = &matrices[k];
        int used = 0, bezier = 0, started = 0;
        double sx = 0.0, sy = 0.0;
        for (int s = 0; s < segments; s++) {
            void *segment = get(path, s);
            float px, py;
            if (segment == NULL || !point(segment, &px, &py))
                return -1;
            int kind = type(segment), closes = close(segment);
            char op;
            if (kind == VN_MOVETO)
                op = 'm';
            else if (kind == VN_LINETO)
                op = 'l';
            else if (kind == VN_BEZIERTO)
                op = 'c';
            else
                return -1;
            double x = (double)m->a * px + (double)m->c * py + (double)m->e;
            double y = (double)m->b * px + (double)m->d * py + (double)m->f;
            if (op == 'm') {
                sx = x;
                sy = y;
                started = 1;
            } else if (op == 'c') {
                bezier++;
                if (bezier < 3)
                    continue; /* control points: pdfminer keeps a curve's end point only */
                bezier = 0;
            } else if (bezier) {
                return -1; /* a curve cut short */
            }
            int closing = op != 'm' && closes;
            if (closing && (!started || x != sx || y != sy))
                return -1; /* pdfium closes a figure with a segment back to its start */
            ops[used] = closing && op == 'l' ? 'h' : op;
            op_points[2 * used] = x;
            op_points[2 * used + 1] = y;
            used++;
            if (closing && op != 'l') {
                ops[used] = 'h';
                op_points[2 * used] = x;
                op_points[2 * used + 1] = y;
                used++;
            }
        }
        if (used == 0 || ops[0] != 'm')
            continue;
        /* sub-paths: each m with the operations up to the next m (an m followed by an m is none) */
        int subpaths = 0;
        for (int i = 0; i < used; i++)
            subpaths += ops[i] == 'm';
        if (subpaths == 1) {
            if (!classify(ops, op_points, used, &shapes, &out))
                return -2;
            continue;
        }
        for (int i = 0; i < used;) {
            if (ops[i] == 'm' && i + 1 < used && ops[i + 1] != 'm') {
                int j = i + 1;
                while (j < used && ops[j] != 'm')
                    j++;
                if (!classify(ops + i, op_points + 2 * i, j - i, &shapes, &out))
                    return -2;
                i = j;
            } else {
                i++;
            }
        }
    }
    return shapes.count;
}
