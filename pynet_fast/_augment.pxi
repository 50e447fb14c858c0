# The sampling of one augmented image: pynet.app.augment._transform_pure after its
# inverse matrix, in compiled code. pynet.app.augment calls it when pynet_fast is
# installed; the pure function is its reference, and every step here is that
# function's, operation for operation, in the same order (so the same roundings): the
# bounding box of the digit, each output row's span of pixels that can be non-zero,
# and the bilinear (or nearest) sampling of a copy of the image with a border of zeros.
#
# jitter_samples goes one step further: it makes the samples of a chunk of an augmented
# epoch, drawing each jittered copy's transform from the Jitter's random.Random (the
# same calls, in the same order, as Jitter.draw) and computing its inverse map as
# augment._inverse does, so that no Python runs per image.
#
# Included by _core.pxi (which cimports floor, ceil, cos and sin from libc.math).


cdef bint bounds(const unsigned char* image, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t* box) noexcept nogil:
    """box = (top, bottom, left, right) of the non-zero pixels, inclusive; False if the image is blank."""
    cdef Py_ssize_t r, k
    cdef bint found = False
    box[0] = box[1] = -1
    box[2], box[3] = cols, -1
    for r in range(rows):
        for k in range(cols):
            if image[r * cols + k]:
                if not found:
                    box[0] = r
                    found = True
                box[1] = r
                if k < box[2]:
                    box[2] = k
                if k > box[3]:
                    box[3] = k
    return found


cdef void span(double origin, double step, double low, double high, Py_ssize_t count,
               Py_ssize_t* start, Py_ssize_t* stop) noexcept nogil:
    """The k in 0 .. count-1 with low < origin + k * step < high, as [start, stop) (augment._span).

    Where the pure function's first guesses fall outside 0 .. count they are taken as 0
    or count here (the pure start or stop beyond them finds no k, nor does this one).
    """
    cdef double k1, k2, f
    if step == 0.0:
        start[0] = 0
        stop[0] = count if low < origin < high else 0
        return
    k1 = (low - origin) / step
    k2 = (high - origin) / step
    if k1 > k2:
        k1, k2 = k2, k1
    f = floor(k1)
    start[0] = 0 if f <= 0.0 else (count if f >= count else <Py_ssize_t>f)
    f = ceil(k2) + 1.0
    stop[0] = count if f >= count else (0 if f <= 0.0 else <Py_ssize_t>f)
    # the bounds above may be one too generous in floating point: trim them exactly
    while start[0] < stop[0] and not (low < origin + <double>start[0] * step < high):
        start[0] += 1
    while stop[0] > start[0] and not (low < origin + <double>(stop[0] - 1) * step < high):
        stop[0] -= 1


cdef void sample(const unsigned char* image, Py_ssize_t rows, Py_ssize_t cols, double dx, double dy,
                 double a, double b, double c, double d, bint nearest, unsigned char* padded,
                 unsigned char* out) noexcept nogil:
    """out (rows * cols bytes, zeroed) = image under the inverse map (a, b, c, d), shifted by (dx, dy)."""
    cdef Py_ssize_t box[4]
    cdef Py_ssize_t width = cols + 2, r, x, y, start, stop, ystart, ystop, ix, iy, k
    cdef double cx = (cols - 1) / 2.0, cy = (rows - 1) / 2.0
    cdef double low_x, high_x, low_y, high_y, oy, sx0, sy0, sx, sy, fx, fy, upper, lower
    cdef long value
    if not bounds(image, rows, cols, box):
        return
    low_x, high_x, low_y, high_y = box[2] - 1.0, box[3] + 1.0, box[0] - 1.0, box[1] + 1.0
    for r in range(rows):  # the image with a border of one zero pixel
        memcpy(padded + (r + 1) * width + 1, image + r * cols, cols)
    for y in range(rows):
        oy = y - cy - dy
        sx0 = a * (-cx - dx) + b * oy + cx
        sy0 = c * (-cx - dx) + d * oy + cy
        span(sx0, a, low_x, high_x, cols, &start, &stop)
        if start < stop:
            span(sy0, c, low_y, high_y, cols, &ystart, &ystop)
            start, stop = max(start, ystart), min(stop, ystop)
        if start >= stop:
            continue
        if nearest:
            sx0 = sx0 + 1.5
            sy0 = sy0 + 1.5
            for x in range(start, stop):
                out[y * cols + x] = padded[<Py_ssize_t>(sy0 + c * x) * width + <Py_ssize_t>(sx0 + a * x)]
            continue
        sx0 = sx0 + 1.0
        sy0 = sy0 + 1.0
        for x in range(start, stop):
            sx = sx0 + a * x
            sy = sy0 + c * x
            ix = <Py_ssize_t>sx  # sx > 0: truncation is floor, as int() in the pure code
            iy = <Py_ssize_t>sy
            fx = sx - ix
            fy = sy - iy
            k = iy * width + ix
            upper = padded[k] + (<double>(padded[k + 1] - padded[k])) * fx
            lower = padded[k + width] + (<double>(padded[k + width + 1] - padded[k + width])) * fx
            value = <long>(upper + (lower - upper) * fy + 0.5)
            out[y * cols + x] = 255 if value > 255 else value


def transform_image(const unsigned char[::1] image not None, Py_ssize_t rows, Py_ssize_t cols,
                    double dx, double dy, double a, double b, double c, double d, bint nearest):
    """pynet.app.augment's sampling of one image (rows * cols bytes) under the inverse map (a, b, c, d): bytes."""
    if rows < 1 or cols < 1 or image.shape[0] != rows * cols:
        raise ValueError("an image of %dx%d has %d pixels, got %d" % (rows, cols, rows * cols, image.shape[0]))
    result = bytearray(rows * cols)
    padded = bytearray((rows + 2) * (cols + 2))
    cdef unsigned char[::1] out = result
    cdef unsigned char[::1] border = padded
    with nogil:
        sample(&image[0], rows, cols, dx, dy, a, b, c, d, nearest, &border[0], &out[0])
    return bytes(result)


cdef double DEGREE = 3.14159265358979323846 / 180.0  # math.radians(x) is x * (pi / 180.0)


cdef void inverse_map(double angle, double scale, double shear, double* m) noexcept nogil:
    """m = (a, b, c, d): augment._inverse, operation for operation."""
    cdef double theta = angle * DEGREE
    cdef double cos_ = cos(theta), sin_ = sin(theta)  # libm's, which math.cos and math.sin call
    cdef double inv = 1.0 / scale
    m[0] = (cos_ + shear * sin_) * inv
    m[1] = (-sin_ + shear * cos_) * inv
    m[2] = sin_ * inv
    m[3] = cos_ * inv


cdef inline double uniform(object random, double low, double high) except? -1.0:
    """random.Random.uniform(low, high) through the Random's own random(): low + (high - low) * random()."""
    return low + (high - low) * <double>random()


def inverse(double angle, double scale, double shear):
    """augment._inverse(angle, scale, shear) in compiled code: (a, b, c, d)."""
    cdef double m[4]
    inverse_map(angle, scale, shear, m)
    return m[0], m[1], m[2], m[3]


def jitter_samples(const unsigned char[::1] images not None, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t count,
                   picked, random, double shift, double rotate, double scale, double shear, bint nearest):
    """augment.Jitter.samples: the samples picked of an epoch over count images, joined (bytes).

    Sample s is image s % count of images (count images of rows * cols bytes, joined) as it
    is for s < count, and under the next random transform otherwise: dx, dy, the angle, the
    scale and the shear drawn in that order, each from random() (the Random's own method)
    as Random.uniform draws it, and each only where its bound is not 0 (Jitter.draw).
    """
    cdef Py_ssize_t size = rows * cols, n = len(picked), j = 0, s, k
    cdef double dx, dy, angle, factor, slant
    cdef double m[4]
    if rows < 1 or cols < 1 or count < 1 or images.shape[0] != count * size:
        raise ValueError("%d bytes are not %d images of %dx%d" % (images.shape[0], count, rows, cols))
    result = bytearray(n * size)
    padded = bytearray((rows + 2) * (cols + 2))  # its border stays 0; sample() fills the inside
    cdef unsigned char[::1] out = result
    cdef unsigned char[::1] border = padded
    for item in picked:
        if j == n:
            raise ValueError("picked grew while its samples were made")
        s = item
        if s < 0:
            raise ValueError("a sample number is at least 0, got %d" % s)
        k = s % count
        if s < count:
            memcpy(&out[j * size], &images[k * size], size)
        else:
            dx = uniform(random, -shift, shift) if shift else 0.0
            dy = uniform(random, -shift, shift) if shift else 0.0
            angle = uniform(random, -rotate, rotate) if rotate else 0.0
            factor = uniform(random, 1.0 - scale, 1.0 + scale) if scale else 1.0
            slant = uniform(random, -shear, shear) if shear else 0.0
            inverse_map(angle, factor, slant, m)
            sample(&images[k * size], rows, cols, dx, dy, m[0], m[1], m[2], m[3], nearest, &border[0],
                   &out[j * size])
        j += 1
    if j != n:
        raise ValueError("picked shrank while its samples were made")
    return bytes(result)
