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
    """box = (top, bottom, left, right) of the non-zero pixels, inclusive; False if the image is blank.

    The rows first (a whole row at a time), then the columns from either side inwards,
    down the rows found only, up to the first column that holds a non-zero pixel.
    """
    cdef Py_ssize_t r, k
    cdef unsigned char any_
    box[0] = box[1] = -1
    for r in range(rows):
        any_ = 0
        for k in range(cols):
            any_ |= image[r * cols + k]
        if any_:
            if box[0] < 0:
                box[0] = r
            box[1] = r
    if box[0] < 0:
        return False
    box[2] = 0
    while not column_has_ink(image, cols, box[2], box[0], box[1]):
        box[2] += 1
    box[3] = cols - 1
    while not column_has_ink(image, cols, box[3], box[0], box[1]):
        box[3] -= 1
    return True


cdef inline bint column_has_ink(const unsigned char* image, Py_ssize_t cols, Py_ssize_t k, Py_ssize_t top,
                                Py_ssize_t bottom) noexcept nogil:
    cdef Py_ssize_t r
    for r in range(top, bottom + 1):
        if image[r * cols + k]:
            return True
    return False


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
                 double a, double b, double c, double d, bint nearest, double* padded,
                 unsigned char* out) noexcept nogil:
    """out (rows * cols bytes, zeroed) = image under the inverse map (a, b, c, d), shifted by (dx, dy).

    padded: (rows + 2) * (cols + 2) doubles, zero at least on the border; the pixels go
    inside. Their values are whole numbers, so the differences of two of them are exact
    as in the pure code's integers.
    """
    cdef Py_ssize_t box[4]
    cdef Py_ssize_t width = cols + 2, r, k, y, start, stop, ystart, ystop
    cdef double cx = (cols - 1) / 2.0, cy = (rows - 1) / 2.0
    cdef double low_x, high_x, low_y, high_y, oy, sx0, sy0
    if not bounds(image, rows, cols, box):
        return
    low_x, high_x, low_y, high_y = box[2] - 1.0, box[3] + 1.0, box[0] - 1.0, box[1] + 1.0
    for r in range(box[0], box[1] + 1):  # the image with a border of zeros (rows outside the box are 0)
        for k in range(cols):
            padded[(r + 1) * width + 1 + k] = image[r * cols + k]
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
            nearest_row(padded, <int>width, sx0 + 1.5, sy0 + 1.5, a, c, <int>start, <int>stop, out + y * cols)
        else:
            bilinear_row(padded, <int>width, sx0 + 1.0, sy0 + 1.0, a, c, <int>start, <int>stop, out + y * cols)
    for r in range(box[0], box[1] + 1):  # the border of zeros again for the next image
        for k in range(cols):
            padded[(r + 1) * width + 1 + k] = 0.0


cdef void bilinear_row(const double* padded, int width, double sx0, double sy0, double a, double c, int start,
                       int stop, unsigned char* out) noexcept nogil:
    """out[x] for x in start .. stop - 1: the bilinear sample at (sx0 + a*x, sy0 + c*x) of padded.

    Shifted by the border of 1: sx and sy are above 0, so truncation is floor, as int() in
    the pure code. Every pixel on its own, so the compiler may take several at a time.
    """
    cdef int x, ix, iy, k, value
    cdef double sx, sy, fx, fy, upper, lower
    for x in range(start, stop):
        sx = sx0 + a * x
        sy = sy0 + c * x
        ix = <int>sx
        iy = <int>sy
        fx = sx - ix
        fy = sy - iy
        k = iy * width + ix
        upper = padded[k] + (padded[k + 1] - padded[k]) * fx
        lower = padded[k + width] + (padded[k + width + 1] - padded[k + width]) * fx
        value = <int>(upper + (lower - upper) * fy + 0.5)
        out[x] = 255 if value > 255 else value


cdef void nearest_row(const double* padded, int width, double sx0, double sy0, double a, double c, int start,
                      int stop, unsigned char* out) noexcept nogil:
    """out[x] for x in start .. stop - 1: the pixel of padded nearest (sx0 + a*x, sy0 + c*x), shifted by 0.5."""
    cdef int x
    for x in range(start, stop):
        out[x] = <unsigned char>padded[<int>(sy0 + c * x) * width + <int>(sx0 + a * x)]


cdef double[::1] padded_block(Py_ssize_t rows, Py_ssize_t cols):
    """Zeros for sample()'s padded image; refuses images too large for its int indices."""
    if (rows + 2) * (cols + 2) >= 2 ** 31:
        raise ValueError("an image of %dx%d is too large to transform" % (rows, cols))
    cdef double[::1] block = cvarray(shape=((rows + 2) * (cols + 2),), itemsize=sizeof(double), format="d")
    block[:] = 0.0
    return block


def transform_image(const unsigned char[::1] image not None, Py_ssize_t rows, Py_ssize_t cols,
                    double dx, double dy, double a, double b, double c, double d, bint nearest):
    """pynet.app.augment's sampling of one image (rows * cols bytes) under the inverse map (a, b, c, d): bytes."""
    if rows < 1 or cols < 1 or image.shape[0] != rows * cols:
        raise ValueError("an image of %dx%d has %d pixels, got %d" % (rows, cols, rows * cols, image.shape[0]))
    result = bytearray(rows * cols)
    cdef unsigned char[::1] out = result
    cdef double[::1] border = padded_block(rows, cols)
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


ctypedef struct Jittered:
    Py_ssize_t at       # where in the chunk: sample j of picked
    Py_ssize_t image    # which image: k = s % count
    double dx, dy       # the shift
    double m[4]         # the inverse map (a, b, c, d)


cdef enum:
    JITTER_PER_THREAD = 64  # jittered samples worth a Python thread of their own (_in_runs)
    JITTER_BLOCK = 8        # jittered samples a thread takes at a time, when the helper thread helps


ctypedef struct JitterJob:
    # The jittered samples of one jitter_samples call, to sample without the GIL.
    const unsigned char* images
    unsigned char* out
    const Jittered* items
    Py_ssize_t count        # of items
    Py_ssize_t rows, cols
    bint nearest


cdef void sample_jittered(const JitterJob* job, Py_ssize_t first, Py_ssize_t stop, double* padded) noexcept nogil:
    """The jittered samples first ... stop - 1 of the job, each into its place in job.out."""
    cdef Py_ssize_t size = job.rows * job.cols, i
    cdef const Jittered* item
    for i in range(first, stop):
        item = &job.items[i]
        sample(job.images + item.image * size, job.rows, job.cols, item.dx, item.dy,
               item.m[0], item.m[1], item.m[2], item.m[3], job.nearest, padded, job.out + item.at * size)


cdef void take_jitter_blocks(Handover* h, double* padded) noexcept nogil:
    """Blocks of JITTER_BLOCK jittered samples of the job offered to h (JITTER_SHARE), taken in
    turn with the other thread (h.next_image), until none is left. Each sample is made whole
    by one thread, so which thread takes which block changes no bit; a thread that comes
    late, or loses its core, only takes fewer blocks."""
    cdef const JitterJob* job = <const JitterJob*>h.jitter
    cdef Py_ssize_t first
    while True:
        first = split_take(&h.next_image, JITTER_BLOCK)
        if first >= job.count:
            return
        sample_jittered(job, first, min(first + JITTER_BLOCK, job.count), padded)
        if padded == h.padded:  # (the helper: counted for tests)
            split_store(&h.jitter_blocks, h.jitter_blocks + 1)


cdef class JitterRun:
    """The sampling half of jitter_samples: on this thread and the helper thread (with_helper), or
    run(first, stop) for the samples first ... stop - 1, on threads of _in_runs."""

    cdef JitterJob job

    def run(self, Py_ssize_t first, Py_ssize_t stop):
        cdef double[::1] border = padded_block(self.job.rows, self.job.cols)  # each thread's own
        with nogil:
            sample_jittered(&self.job, first, stop, &border[0])
        return True

    def with_helper(self):
        """Every sample, this thread and the process's helper thread taking blocks in turn; False
        (nothing done) when the helper is not to be had."""
        cdef double[::1] mine = padded_block(self.job.rows, self.job.cols)
        cdef double[::1] theirs = padded_block(self.job.rows, self.job.cols)
        cdef Handover* h = take_helper()
        cdef long share
        if h == NULL:
            return False
        h.kind = JITTER_SHARE
        h.jitter = <void*>&self.job
        h.padded = &theirs[0]
        split_store(&h.next_image, 0)
        with nogil:
            share = offer(h)
            wake(h)
            take_jitter_blocks(h, &mine[0])
            if not taken_here(h, share) and wait_for_helper(h, share, PATIENCE):
                count_pause(h)  # (it had lost its core in the middle of a block)
            give_helper(h)
        return True


def jitter_samples(const unsigned char[::1] images not None, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t count,
                   picked, random, double shift, double rotate, double scale, double shear, bint nearest,
                   int threads=1):
    """augment.Jitter.samples: the samples picked of an epoch over count images, joined (bytes).

    Sample s is image s % count of images (count images of rows * cols bytes, joined) as it
    is for s < count, and under the next random transform otherwise: dx, dy, the angle, the
    scale and the shear drawn in that order, each from random() (the Random's own method)
    as Random.uniform draws it, and each only where its bound is not 0 (Jitter.draw).

    The transforms are drawn first, in order, with the GIL; then the jittered images are
    sampled without it, on up to ``threads`` threads (an image is made by the same
    operations whichever thread makes it): where that makes two at most, this thread and
    the process's helper thread (_helper.pxi) take blocks of JITTER_BLOCK images in turn,
    from 2 * JITTER_BLOCK jittered images; else, or when the helper is busy with another
    call, runs of at least JITTER_PER_THREAD images each go to threads started for the call.
    """
    cdef Py_ssize_t size = rows * cols, n = len(picked), j = 0, s, k, jittered = 0, many
    cdef double angle, factor, slant
    cdef Jittered* item
    if rows < 1 or cols < 1 or count < 1 or images.shape[0] != count * size:
        raise ValueError("%d bytes are not %d images of %dx%d" % (images.shape[0], count, rows, cols))
    padded_block(rows, cols)  # refuses images too large, before anything is drawn
    result = bytearray(n * size)
    cdef unsigned char[::1] out = result
    cdef JitterRun job = JitterRun()
    cdef Jittered* items = <Jittered*>PyMem_Malloc(max(n, 1) * sizeof(Jittered))
    job.job.items = items
    if items == NULL:
        raise MemoryError()
    try:
        for item_number in picked:
            if j == n:
                raise ValueError("picked grew while its samples were made")
            s = item_number
            if s < 0:
                raise ValueError("a sample number is at least 0, got %d" % s)
            k = s % count
            if s < count:
                memcpy(&out[j * size], &images[k * size], size)
            else:
                item = &items[jittered]
                item.at, item.image = j, k
                item.dx = uniform(random, -shift, shift) if shift else 0.0
                item.dy = uniform(random, -shift, shift) if shift else 0.0
                angle = uniform(random, -rotate, rotate) if rotate else 0.0
                factor = uniform(random, 1.0 - scale, 1.0 + scale) if scale else 1.0
                slant = uniform(random, -shear, shear) if shear else 0.0
                inverse_map(angle, factor, slant, item.m)
                jittered += 1
            j += 1
        if j != n:
            raise ValueError("picked shrank while its samples were made")
        if jittered:
            job.job.images, job.job.out, job.job.count = &images[0], &out[0], jittered
            job.job.rows, job.job.cols, job.job.nearest = rows, cols, nearest
            many = max(1, min(threads, jittered // JITTER_PER_THREAD))
            if threads > 1 and many <= 2 and jittered >= 2 * JITTER_BLOCK and job.with_helper():
                pass  # (the helper, woken or spinning, is there sooner than a thread started anew)
            elif not all(_in_runs(job.run, jittered, (jittered + many - 1) // many)):
                raise RuntimeError("a thread sampling jittered images failed")
    finally:
        PyMem_Free(items)
        job.job.items = NULL
    return bytes(result)
