// Chunked n-dimensional arrays (dask.array for C++): troupe::array<T>.
#pragma once

#include "troupe/array/array.hpp"
#include "troupe/array/block.hpp"
#include "troupe/array/dtype.hpp"
#include "troupe/array/index.hpp"
#include "troupe/array/ndarray.hpp"
