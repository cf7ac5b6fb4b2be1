// Native help for checkpoint files (lib/io): read a byte range of an open file
// straight into the memory of a new tensor, and view a storage with the
// offset, sizes and strides a checkpoint gives.
//
// The TypeScript side parses every header and checks every offset against the
// file before it calls here; these functions check again on their own (file
// size via fstat, storage bounds with overflow-safe arithmetic), so a wrong
// number can only ever become a JS exception, never a read or write out of
// bounds.
#include <sys/stat.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <limits>

#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include "addon.h"
#include "args.h"
#include "errors.h"
#include "tensor.h"

namespace ltr {

namespace {

// CRC-32 (the ZIP polynomial, reflected 0xEDB88320), slicing-by-8: about
// 1-2 GB/s, so checking a record costs a small fraction of reading it.
struct Crc32Tables {
  uint32_t t[8][256];
  Crc32Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

uint32_t crc32Update(uint32_t crc, const uint8_t* p, size_t n) {
  static const Crc32Tables tables;
  const auto& t = tables.t;
  crc = ~crc;
  while (n >= 8) {
    const uint32_t lo = (static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24) ^ crc;
    const uint32_t hi = static_cast<uint32_t>(p[4]) | static_cast<uint32_t>(p[5]) << 8 |
                        static_cast<uint32_t>(p[6]) << 16 | static_cast<uint32_t>(p[7]) << 24;
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

int64_t fileSize(int fd) {
#ifdef _WIN32
  struct _stat64 st;
  if (_fstat64(fd, &st) != 0) throw std::runtime_error(std::string("cannot stat the file: ") + std::strerror(errno));
#else
  struct stat st;
  if (fstat(fd, &st) != 0) throw std::runtime_error(std::string("cannot stat the file: ") + std::strerror(errno));
#endif
#ifndef _WIN32
  // A pipe, FIFO or device has no size to check reads against, and a read
  // from it may block forever: only regular files are read here.
  if (!S_ISREG(st.st_mode)) throw std::runtime_error("not a regular file (a pipe, FIFO, socket or device)");
#endif
  return static_cast<int64_t>(st.st_size);
}

// Reads exactly n bytes at `position` (retrying short reads and EINTR).
void readExactly(int fd, int64_t position, uint8_t* out, int64_t n) {
  constexpr int64_t kChunk = int64_t(1) << 30;  // keep each call well inside ssize_t / int
  while (n > 0) {
    const int64_t want = n < kChunk ? n : kChunk;
#ifdef _WIN32
    if (_lseeki64(fd, position, SEEK_SET) < 0) throw std::runtime_error(std::string("seek failed: ") + std::strerror(errno));
    const int64_t got = _read(fd, out, static_cast<unsigned>(want));
#else
    const int64_t got = pread(fd, out, static_cast<size_t>(want), static_cast<off_t>(position));
#endif
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("read failed at byte ") + std::to_string(position) + ": " + std::strerror(errno));
    }
    if (got == 0) throw std::runtime_error("unexpected end of file at byte " + std::to_string(position));
    position += got;
    out += got;
    n -= got;
  }
}

// readStorage(fd, position, byteLength, dtype, crc32?) -> 1-D tensor of byteLength / itemsize
// elements holding the file's bytes [position, position + byteLength). With
// crc32 (a number), the bytes must have that CRC-32 (a ZIP record's check).
Napi::Value ReadStorage(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "readStorage", [&]() -> Napi::Value {
    const int64_t fd = intArg(arg(info, 0), "fd");
    const int64_t position = intArg(arg(info, 1), "position");
    const int64_t byteLength = intArg(arg(info, 2), "byteLength");
    const at::ScalarType dtype = dtypeArg(arg(info, 3), "dtype");
    std::optional<uint32_t> expectedCrc;
    if (!isNullish(arg(info, 4))) {
      const int64_t c = intArg(info[4], "crc32");
      checkRange(c >= 0 && c <= 0xFFFFFFFFLL, "crc32 must be an unsigned 32-bit integer");
      expectedCrc = static_cast<uint32_t>(c);
    }
    checkRange(fd >= 0 && fd <= std::numeric_limits<int>::max(), "fd must be an open file descriptor");
    checkRange(position >= 0, "position must be >= 0 but received " + std::to_string(position));
    checkRange(byteLength >= 0, "byteLength must be >= 0 but received " + std::to_string(byteLength));
    const int64_t itemsize = static_cast<int64_t>(c10::elementSize(dtype));
    checkRange(byteLength % itemsize == 0, "byteLength " + std::to_string(byteLength) +
                                               " is not a multiple of the " + dtypeName(dtype) +
                                               " element size " + std::to_string(itemsize));
    const int64_t size = fileSize(static_cast<int>(fd));
    checkRange(position <= size && byteLength <= size - position,
               "bytes [" + std::to_string(position) + ", " + std::to_string(position + byteLength) +
                   ") lie outside the file of " + std::to_string(size) + " bytes");

    at::Tensor t = at::empty({byteLength / itemsize}, at::TensorOptions().dtype(dtype));
    auto* bytes = static_cast<uint8_t*>(t.data_ptr());
    // In chunks, so the CRC runs over bytes still in cache from the read.
    constexpr int64_t kChunk = int64_t(1) << 20;
    uint32_t crc = 0;
    for (int64_t done = 0; done < byteLength; done += kChunk) {
      const int64_t n = std::min(kChunk, byteLength - done);
      readExactly(static_cast<int>(fd), position + done, bytes + done, n);
      if (expectedCrc) crc = crc32Update(crc, bytes + done, static_cast<size_t>(n));
    }
    if (expectedCrc) {
      if (crc != *expectedCrc) {
        throw std::runtime_error("CRC-32 mismatch (the record's bytes are corrupt): expected " +
                                 std::to_string(*expectedCrc) + ", computed " + std::to_string(crc));
      }
    }
    if (dtype == at::kBool) {
      // A bool byte other than 0/1 is undefined behaviour in kernels that
      // index by it; refuse it instead of passing it on.
      for (int64_t i = 0; i < byteLength; ++i) {
        if (bytes[i] > 1) {
          throw std::runtime_error("bool element " + std::to_string(i) + " holds the byte " +
                                   std::to_string(bytes[i]) + " (only 0 and 1 are valid)");
        }
      }
    }
    return Tensor::Wrap(info.Env(), std::move(t));
  });
}

// asStrided(storage, shape, strides, storageOffset) -> a view of `storage` (a
// 1-D tensor from readStorage), as PyTorch's _rebuild_tensor_v2 makes it. Every
// element the view can reach must lie inside the storage.
Napi::Value AsStrided(const Napi::CallbackInfo& info) {
  return guard(info.Env(), "asStrided", [&]() -> Napi::Value {
    const at::Tensor& storage = tensorArg(arg(info, 0), "storage");
    const std::vector<int64_t> shape = shapeArg(arg(info, 1), "shape");
    const std::vector<int64_t> strides = intListArgAtLeast(arg(info, 2), "strides", 0, 0);
    const int64_t offset = intArg(arg(info, 3), "storageOffset");
    checkRange(storage.dim() == 1 && storage.is_contiguous() && storage.storage_offset() == 0,
               "storage must be a whole 1-D storage tensor");
    checkRange(shape.size() == strides.size(), "shape has " + std::to_string(shape.size()) +
                                                   " dimensions but strides has " + std::to_string(strides.size()));
    checkRange(offset >= 0, "storageOffset must be >= 0 but received " + std::to_string(offset));
    const int64_t numel = storage.numel();
    checkRange(offset <= numel, "storageOffset " + std::to_string(offset) + " lies past the storage of " +
                                    std::to_string(numel) + " elements");
    bool empty = false;
    for (int64_t s : shape) empty = empty || s == 0;
    if (!empty) {
      // The last reachable element: offset + sum((size - 1) * stride), which
      // must stay below numel; every step is checked against overflow.
      int64_t last = offset;
      for (size_t i = 0; i < shape.size(); ++i) {
        const int64_t span = shape[i] - 1;
        if (span == 0 || strides[i] == 0) continue;
        checkRange(span <= (numel - last) / strides[i],
                   "sizes and strides reach past the storage of " + std::to_string(numel) + " elements");
        last += span * strides[i];
      }
      checkRange(last < numel, "sizes and strides reach past the storage of " + std::to_string(numel) + " elements");
    }
    return Tensor::Wrap(info.Env(), storage.as_strided(shape, strides, offset));
  });
}

}  // namespace

void InitSerialize(Napi::Env /*env*/, Napi::Object exports) {
  exportFunction(exports, "readStorage", ReadStorage);
  exportFunction(exports, "asStrided", AsStrided);
}

}  // namespace ltr
