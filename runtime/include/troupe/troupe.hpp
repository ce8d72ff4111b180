// troupe: lazy task graphs and futures, run in parallel by a scheduler over
// workers. Include this one header.
#pragma once

#include "troupe/adapt.hpp"
#include "troupe/array.hpp"
#include "troupe/client.hpp"
#include "troupe/cluster.hpp"
#include "troupe/cluster_info.hpp"
#include "troupe/config.hpp"
#include "troupe/delayed.hpp"
#include "troupe/diagnostics.hpp"
#include "troupe/errors.hpp"
#include "troupe/future.hpp"
#include "troupe/init.hpp"
#include "troupe/local_cluster.hpp"
#include "troupe/log.hpp"
#include "troupe/options.hpp"
#include "troupe/serialization.hpp"
#include "troupe/task.hpp"
