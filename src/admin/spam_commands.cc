#include "admin/spam_commands.h"

#include <cstdio>
#include <fstream>

#include "classify/message_tokens.h"
#include "classify/model.h"
#include "core/fs.h"
#include "delivery/filters/spam_filter.h"
#include "mime/mbox.h"

namespace sealmail::admin {

namespace {

namespace fsys = std::filesystem;

constexpr size_t kMaxMessage = 64u << 20;  // larger files are not mail worth training on

// Calls `each` with every message under `path`; returns how many or an error.
template <typename F>
Result<size_t> for_each_message(const fsys::path& path, F&& each) {
  std::error_code ec;
  size_t n = 0;
  if (fsys::is_directory(path, ec)) {
    std::vector<fsys::path> files;
    for (auto it = fsys::recursive_directory_iterator(path, ec); !ec && it != fsys::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file(ec) && it->file_size(ec) <= kMaxMessage) files.push_back(it->path());
    if (ec) return make_error(Errc::io, "cannot read " + path.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (auto& f : files) {
      auto bytes = fs::read_file(f);
      if (!bytes) return bytes.error();
      each(*bytes);
      ++n;
    }
    return n;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::not_found, "cannot open " + path.string());
  mime::MboxReader reader(kMaxMessage);
  std::string chunk(1 << 20, '\0');
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    reader.feed(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
    while (auto m = reader.next()) {
      each(m->data);
      ++n;
    }
  }
  if (auto m = reader.finish()) {
    each(m->data);
    ++n;
  }
  if (reader.malformed()) return make_error(Errc::invalid_argument, path.string() + " is neither a folder nor an mbox");
  return n;
}

void print_status(const classify::Model& m) {
  std::printf("ham %u, spam %u, adult %u messages; %zu tokens\n", m.totals.ham, m.totals.spam, m.totals.adult,
              m.size());
}

}  // namespace

void add_spam_commands(CLI::App& app, std::string& data_dir, int& exit_code) {
  auto* spam = app.add_subcommand("spam", "the server's junk classifier (spam and adult content)");
  spam->require_subcommand(1);
  {
    auto* cmd = spam->add_subcommand("train", "train the server's model from folders of messages or mbox files");
    auto spam_paths = std::make_shared<std::vector<std::string>>();
    auto ham_paths = std::make_shared<std::vector<std::string>>();
    auto adult_paths = std::make_shared<std::vector<std::string>>();
    auto reset = std::make_shared<bool>(false);
    cmd->add_option("--spam", *spam_paths, "spam: a folder of messages or an mbox (repeatable)");
    cmd->add_option("--ham", *ham_paths, "good mail: a folder of messages or an mbox (repeatable)");
    cmd->add_option("--adult", *adult_paths, "adult content: a folder of messages or an mbox (repeatable)");
    cmd->add_flag("--reset", *reset, "start from an empty model instead of adding to the current one");
    cmd->callback([=, &data_dir, &exit_code] {
      auto file = delivery::filters::SpamFilter::model_file(data_dir);
      classify::Model model;
      std::error_code ec;
      if (!*reset && fsys::exists(file, ec)) {
        auto loaded = classify::Model::load(file);
        if (!loaded) {
          std::fprintf(stderr, "sealmail: %s (use --reset to start again)\n", loaded.error().message.c_str());
          exit_code = 1;
          return;
        }
        model = std::move(*loaded);
      }
      if (spam_paths->empty() && ham_paths->empty() && adult_paths->empty()) {
        std::fprintf(stderr, "sealmail: nothing to train: give --spam, --ham or --adult\n");
        exit_code = 1;
        return;
      }
      for (auto [paths, category] :
           {std::pair{spam_paths, classify::Category::spam}, std::pair{ham_paths, classify::Category::ham},
            std::pair{adult_paths, classify::Category::adult}}) {
        for (auto& p : *paths) {
          auto n = for_each_message(p, [&](std::string_view message) {
            auto tokens = classify::message_tokens(message);
            model.add(tokens, category, +1);
          });
          if (!n) {
            std::fprintf(stderr, "sealmail: %s\n", n.error().message.c_str());
            exit_code = 1;
            return;
          }
          std::printf("%s: %zu messages from %s\n", classify::to_string(category), *n, p.c_str());
        }
      }
      if (auto saved = model.save(file); !saved) {
        std::fprintf(stderr, "sealmail: %s\n", saved.error().message.c_str());
        exit_code = 1;
        return;
      }
      print_status(model);
    });
  }
  {
    auto* cmd = spam->add_subcommand("status", "what the server's model was trained on");
    cmd->callback([&data_dir, &exit_code] {
      auto file = delivery::filters::SpamFilter::model_file(data_dir);
      std::error_code ec;
      if (!fsys::exists(file, ec)) {
        std::printf("untrained (no %s)\n", file.string().c_str());
        return;
      }
      auto model = classify::Model::load(file);
      if (!model) {
        std::fprintf(stderr, "sealmail: %s\n", model.error().message.c_str());
        exit_code = 1;
        return;
      }
      print_status(*model);
    });
  }
}

}  // namespace sealmail::admin
