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
