// The dashboard's page, styles and scripts (runtime/src/dashboard/assets/),
// compiled into the library: nothing is fetched at run time.
#pragma once

#include <optional>
#include <string_view>

namespace troupe::internal {

struct asset {
  std::string_view content_type;
  std::string_view body;
};

/// The asset served at `path` ("/status", "/static/dashboard.js"), if any.
std::optional<asset> dashboard_asset(std::string_view path);

/// An asset by file name ("taskstream.js"); empty if there is none.
std::string_view asset_text(std::string_view file_name);

} // namespace troupe::internal
