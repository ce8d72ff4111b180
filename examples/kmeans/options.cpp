#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <limits>
#include <string_view>

namespace kmeans {

const char* const usage =
  "usage: kmeans [options]\n"
  "  k-means (k = 3, k-means|| initialisation) of blobs around (-5, -5), (0, 5), (5, -2)\n"
  "  --samples N   points (default 10000000)\n"
  "  --chunk N     rows per chunk (default 1000000)\n"
  "  --workers N   workers (default 2)\n"
  "  --threads N   threads per worker (default 1)\n"
  "  --processes   workers are processes running this program, not threads\n"
  "  --csv PATH    x, y, label of every 10,000th point (default kmeans-labels.csv)\n"
  "  --png PATH    their scatter plot, when gnuplot is installed (default kmeans-labels.png)\n"
  "  --seed S      random seed of the data and of k-means|| (default 0)\n";

namespace {

template <class N>
N number(std::string_view flag, std::string_view text, N least) {
  N value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < least)
    throw usage_error(std::string{flag} + " wants a whole number of at least "
                      + std::to_string(least) + ", not '" + std::string{text} + "'");
  return value;
}

} // namespace

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    if (flag == "--processes") {
      o.processes = true;
      continue;
    }
    static constexpr std::string_view with_value[] = {"--samples", "--workers", "--threads",
                                                      "--chunk",   "--csv",     "--png",
                                                      "--seed"};
    if (std::find(std::begin(with_value), std::end(with_value), flag) == std::end(with_value))
      throw usage_error("unknown option '" + std::string{flag} + "'");
    if (i + 1 >= argc)
      throw usage_error(std::string{flag} + " needs a value");
    std::string_view value = argv[++i];
    if (flag == "--samples")
      o.samples = number<std::int64_t>(flag, value, 3);  // k = 3
    else if (flag == "--chunk")
      o.chunk = number<std::int64_t>(flag, value, 1);
    else if (flag == "--workers")
      o.workers = number<int>(flag, value, 1);
    else if (flag == "--threads")
      o.threads = number<int>(flag, value, 1);
    else if (flag == "--csv")
      o.csv = value;
    else if (flag == "--png")
      o.png = value;
    else
      o.seed = number<std::uint64_t>(flag, value, 0);
  }
  return o;
}

} // namespace kmeans
