// The k-means example (examples/kmeans) against what it should find: the
// centres make_blobs drew around, labels that plain loops agree with, the
// same centres on worker processes as on threads.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include <troupe/troupe.hpp>

#include "blobs.hpp"
#include "kmeans_lib.hpp"
#include "local_kmeans.hpp"
#include "options.hpp"
#include "random_bits.hpp"
#include "tiles.hpp"

namespace {

constexpr std::int64_t samples = 200'000;
constexpr std::int64_t chunk = 20'000;
constexpr std::uint64_t seed = 3;

// One k-means run on threads, shared by the tests that check it.
class kmeans_on_threads : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    cluster_ = new troupe::local_cluster{{.n_workers = 2, .threads_per_worker = 1}};
    client_ = new troupe::client{*cluster_};
    auto X = kmeans::make_blobs(samples, chunk, seed).persist(*client_);
    result_ = new kmeans::kmeans_result{kmeans::kmeans(*client_, X, 3, {.seed = seed})};
    points_ = new troupe::ndarray<double>{X.compute(*client_)};
  }
  static void TearDownTestSuite() {
    delete points_;
    delete result_;
    delete client_;
    delete cluster_;
  }

  static inline troupe::local_cluster* cluster_ = nullptr;
  static inline troupe::client* client_ = nullptr;
  static inline kmeans::kmeans_result* result_ = nullptr;
  static inline troupe::ndarray<double>* points_ = nullptr;
};

TEST_F(kmeans_on_threads, finds_the_centres_the_blobs_were_drawn_around) {
  // Both lists are in lexicographic order, so row j matches row j.
  const auto& want = kmeans::blob_centres;
  ASSERT_EQ(result_->centres.shape(), (troupe::shape_t{3, 2}));
  for (std::int64_t j = 0; j < 3; ++j)
    for (std::int64_t f = 0; f < 2; ++f)
      EXPECT_NEAR(result_->centres(j, f), want[static_cast<std::size_t>(j * 2 + f)], 0.05)
        << "centre " << j << ", feature " << f;
  EXPECT_GE(result_->iterations, 1);
  EXPECT_LT(result_->iterations, 100);  // converged, not stopped
  EXPECT_GT(result_->candidates, 3);
}

TEST_F(kmeans_on_threads, labels_are_each_points_nearest_centre) {
  auto labels = result_->labels.compute(*client_);
  ASSERT_EQ(labels.shape(), (troupe::shape_t{samples}));
  const auto& c = result_->centres;
  for (std::int64_t i = 0; i < samples; ++i) {
    std::int64_t best = 0;
    double best_d2 = INFINITY;
    for (std::int64_t j = 0; j < 3; ++j) {
      double dx = (*points_)(i, 0) - c(j, 0), dy = (*points_)(i, 1) - c(j, 1);
      if (dx * dx + dy * dy < best_d2) {
        best_d2 = dx * dx + dy * dy;
        best = j;
      }
    }
    ASSERT_EQ(labels(i), best) << "point " << i;
  }
}

TEST_F(kmeans_on_threads, centres_are_the_means_of_their_points) {
  // Converged: one more Lloyd step would move no centre by 1e-4.
  auto labels = result_->labels.compute(*client_);
  std::vector<double> sum(6, 0.0), count(3, 0.0);
  for (std::int64_t i = 0; i < samples; ++i) {
    sum[static_cast<std::size_t>(labels(i) * 2)] += (*points_)(i, 0);
    sum[static_cast<std::size_t>(labels(i) * 2 + 1)] += (*points_)(i, 1);
    count[static_cast<std::size_t>(labels(i))] += 1;
  }
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(sum[j * 2] / count[j], result_->centres(j, 0), 1e-4);
    EXPECT_NEAR(sum[j * 2 + 1] / count[j], result_->centres(j, 1), 1e-4);
  }
}

TEST_F(kmeans_on_threads, worker_processes_find_the_same_centres) {
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1, .processes = true}};
  troupe::client client{cluster};
  auto X = kmeans::make_blobs(samples, chunk, seed).persist(client);
  auto r = kmeans::kmeans(client, X, 3, {.seed = seed});
  // The same tasks on the same chunks, summed in the same order.
  EXPECT_EQ(r.centres.values(), result_->centres.values());
  EXPECT_EQ(r.iterations, result_->iterations);
  EXPECT_EQ(r.candidates, result_->candidates);
}

TEST(kmeans, more_picks_than_a_chunk_has_room_for_are_all_kept) {
  // l = 2000 on 10 chunks: a few hundred picks a chunk, past the first
  // pass's room for 64.
  troupe::local_cluster cluster{{.n_workers = 2, .threads_per_worker = 1}};
  troupe::client client{cluster};
  auto X = kmeans::make_blobs(20'000, 2'000, 1).persist(client);
  auto r = kmeans::kmeans(client, X, 3, {.rounds = 1, .oversampling = 2000});
  EXPECT_GT(r.candidates, 10 * 64);
  for (std::int64_t j = 0; j < 3; ++j)
    EXPECT_NEAR(r.centres(j, 0), kmeans::blob_centres[static_cast<std::size_t>(j * 2)], 0.1);
}

TEST(kmeans, weighted_lloyd_moves_centres_to_weighted_means) {
  kmeans::weighted_points p{{0, 0, 2, 0, 10, 10, 12, 10}, {1, 3, 1, 1}, 2};
  auto c = kmeans::weighted_lloyd(p, {1, 1, 9, 9}, 1e-9, 10);
  EXPECT_EQ(c, (std::vector<double>{1.5, 0, 11, 10}));
}

TEST(kmeans, kmeans_plus_plus_needs_enough_distinct_points) {
  kmeans::splitmix rng{0};
  kmeans::weighted_points two{{0, 0, 5, 5}, {1, 1}, 2};
  auto c = kmeans::kmeans_plus_plus(two, 2, rng);
  EXPECT_EQ(c.size(), 4u);
  EXPECT_NE(c[0], c[2]);
  EXPECT_THROW(kmeans::kmeans_plus_plus(two, 3, rng), std::invalid_argument);
}

TEST(kmeans, tile_coins_are_point_coins) {
  // The SIMD coins of a tile and the plain definition, for two and three
  // features, over a full tile and a partial one.
  for (std::int64_t features : {2, 3}) {
    const std::int64_t rows = kmeans::tile_rows + 44;
    troupe::block<double> points{{rows, features},
                                 std::vector<double>(static_cast<std::size_t>(rows * features))};
    kmeans::splitmix rng{static_cast<std::uint64_t>(features)};
    for (auto& v : points.data)
      v = rng.uniform() * 20 - 10;
    kmeans::point_tile tile{features};
    for (std::int64_t first = 0; first < rows; first += kmeans::tile_rows) {
      const std::int64_t n = tile.load(points, first);
      double coins[kmeans::tile_rows];
      kmeans::tile_coins(tile, 42, coins);
      for (std::int64_t i = 0; i < n; ++i)
        ASSERT_EQ(coins[i], kmeans::point_coin(42, &points.data[(first + i) * features], features))
          << "features " << features << ", point " << first + i;
    }
  }
}

std::optional<std::string> usage_error_of(std::vector<const char*> args) {
  args.insert(args.begin(), "kmeans");
  try {
    kmeans::parse_options(static_cast<int>(args.size()), const_cast<char**>(args.data()));
    return std::nullopt;
  } catch (const kmeans::usage_error& e) {
    return e.what();
  }
}

TEST(kmeans_options, bad_flags_are_usage_errors) {
  EXPECT_EQ(usage_error_of({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(usage_error_of({"--samples"}), "--samples needs a value");
  EXPECT_EQ(usage_error_of({"--samples", "2"}),
            "--samples wants a whole number of at least 3, not '2'");
  EXPECT_EQ(usage_error_of({"--workers", "0"}),
            "--workers wants a whole number of at least 1, not '0'");
  EXPECT_EQ(usage_error_of({"--chunk", "10k"}),
            "--chunk wants a whole number of at least 1, not '10k'");
  EXPECT_EQ(usage_error_of({"--samples", "1000", "--processes", "--seed", "7"}), std::nullopt);
}

} // namespace

int main(int argc, char** argv) {
  troupe::init(argc, argv);  // as a worker process of the --processes test: serves, then exits
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
