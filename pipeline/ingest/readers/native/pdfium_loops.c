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

/* For characters 0..n-1 of a text page: the text object (0 if none), the origin, and of the
 * characters that have an object, the object's font, the character's font size and its matrix
 * (`matrix_ok` 0 where pdfium gives none). Returns the number of characters whose origin pdfium
 * could not give. */
int vn_char_objects(void *textpage, int n, text_object_fn text_object, char_origin_fn origin,
                    object_font_fn object_font, font_size_fn font_size, char_matrix_fn char_matrix,
                    void **objects, double *xy, void **fonts, double *sizes, matrix_t *matrices,
                    int *matrix_ok) {
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
        } else {
            fonts[i] = NULL;
            sizes[i] = 0.0;
            matrix_ok[i] = 0;
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
