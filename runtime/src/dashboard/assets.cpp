#include "dashboard/assets.hpp"

#include <utility>

namespace troupe::internal {

// Generated at build time from assets/ (cmake/embed_assets.cmake).
extern const std::pair<std::string_view, std::string_view> embedded_assets[];
extern const std::size_t embedded_asset_count;

namespace {

std::string_view type_of(std::string_view name) {
  if (name.ends_with(".html"))
    return "text/html; charset=utf-8";
  if (name.ends_with(".css"))
    return "text/css; charset=utf-8";
  if (name.ends_with(".js"))
    return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

} // namespace

std::string_view asset_text(std::string_view file_name) {
  for (std::size_t i = 0; i < embedded_asset_count; ++i)
    if (embedded_assets[i].first == file_name)
      return embedded_assets[i].second;
  return {};
}

std::optional<asset> dashboard_asset(std::string_view path) {
  std::string_view name;
  if (path == "/status")
    name = "status.html";
  else if (path.starts_with("/static/"))
    name = path.substr(8);
  else
    return std::nullopt;
  if (name.empty() || name.find('/') != std::string_view::npos)
    return std::nullopt;
  auto body = asset_text(name);
  if (body.empty())
    return std::nullopt;
  return asset{type_of(name), body};
}

} // namespace troupe::internal
