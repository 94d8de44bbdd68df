#include "imap/server/thread.h"

#include <algorithm>
#include <map>
#include <memory>
#include <unordered_map>

namespace sealmail::imap {

namespace {

struct Node {
  const store::ThreadFields* message = nullptr;  // null: a dummy (a referenced message we do not have)
  Node* parent = nullptr;
  std::vector<Node*> children;
  std::string date;  // for sorting: the message's, or (dummy) its first child's
  uint32_t order = 0;
};

bool reaches(const Node* from, const Node* target) {
  for (const Node* n = from; n != nullptr; n = n->parent)
    if (n == target) return true;
  return false;
}

void link(Node* parent, Node* child) {
  if (child->parent == parent || reaches(parent, child)) return;  // no loops
  if (child->parent != nullptr) {
    auto& siblings = child->parent->children;
    siblings.erase(std::remove(siblings.begin(), siblings.end(), child), siblings.end());
  }
  child->parent = parent;
  parent->children.push_back(child);
}

void unlink(Node* child) {
  if (child->parent == nullptr) return;
  auto& siblings = child->parent->children;
  siblings.erase(std::remove(siblings.begin(), siblings.end(), child), siblings.end());
  child->parent = nullptr;
}

bool earlier(const Node* a, const Node* b) {
  if (a->date != b->date) return a->date < b->date;
  return a->order < b->order;
}

// Sorts children by date, depth first; a dummy takes its first child's date.
void sort_tree(Node* n) {
  for (auto* c : n->children) sort_tree(c);
  std::sort(n->children.begin(), n->children.end(), earlier);
  if (n->message == nullptr && !n->children.empty()) {
    n->date = n->children.front()->date;
    n->order = n->children.front()->order;
  }
}

void write(std::string& out, const Node* n, const std::function<uint32_t(uint32_t)>& number, bool top) {
  // A chain of single children is written flat: "(1 2 3)"; siblings nest: "(1 (2)(3))".
  if (top) out += '(';
  bool first = true;
  while (n != nullptr) {
    if (n->message != nullptr) {
      if (!first) out += ' ';
      out += std::to_string(number(n->message->uid));
      first = false;
    }
    if (n->children.size() == 1) {
      n = n->children.front();
      continue;
    }
    if (n->children.size() > 1) {
      if (!first) out += ' ';
      for (auto* c : n->children) {
        out += '(';
        write(out, c, number, false);
        out += ')';
      }
    }
    break;
  }
  if (top) out += ')';
}

}  // namespace

std::string thread_orderedsubject(const std::vector<store::ThreadFields>& messages,
                                  const std::function<uint32_t(uint32_t)>& number) {
  // RFC 5256 §4 ORDEREDSUBJECT: sort by base subject then date; each run of equal base subjects is
  // a thread whose first message is the parent of all the others.
  struct Item {
    std::string subject, date;
    uint32_t order;
    uint32_t uid;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < messages.size(); ++i)
    items.push_back({base_subject(messages[i].subject), messages[i].date, static_cast<uint32_t>(i), messages[i].uid});
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    if (a.subject != b.subject) return a.subject < b.subject;
    if (a.date != b.date) return a.date < b.date;
    return a.order < b.order;
  });
  // Threads are then sorted by their first message's date.
  std::vector<std::vector<const Item*>> threads;
  for (auto& item : items) {
    if (threads.empty() || threads.back().front()->subject != item.subject) threads.emplace_back();
    threads.back().push_back(&item);
  }
  std::stable_sort(threads.begin(), threads.end(), [](auto& a, auto& b) {
    if (a.front()->date != b.front()->date) return a.front()->date < b.front()->date;
    return a.front()->order < b.front()->order;
  });
  std::string out;
  for (auto& t : threads) {
    out += '(' + std::to_string(number(t.front()->uid));
    if (t.size() == 2) out += ' ' + std::to_string(number(t[1]->uid));
    if (t.size() > 2) {
      out += ' ';
      for (size_t i = 1; i < t.size(); ++i) out += '(' + std::to_string(number(t[i]->uid)) + ')';
    }
    out += ')';
  }
  return out;
}

std::string thread_references(const std::vector<store::ThreadFields>& messages,
                              const std::function<uint32_t(uint32_t)>& number) {
  std::vector<std::unique_ptr<Node>> nodes;
  std::unordered_map<std::string, Node*> by_id;
  auto node_for = [&](const std::string& id) -> Node* {
    auto it = by_id.find(id);
    if (it != by_id.end()) return it->second;
    nodes.push_back(std::make_unique<Node>());
    by_id[id] = nodes.back().get();
    return nodes.back().get();
  };
  // Step 1: containers by Message-ID, linked along References (or In-Reply-To).
  uint32_t order = 0;
  for (auto& m : messages) {
    Node* self = nullptr;
    if (!m.message_id.empty()) {
      self = node_for(m.message_id);
      if (self->message != nullptr) self = nullptr;  // a duplicate Message-ID is its own message
    }
    if (self == nullptr) {
      nodes.push_back(std::make_unique<Node>());
      self = nodes.back().get();
    }
    self->message = &m;
    self->date = m.date;
    self->order = order++;
    std::vector<std::string> refs = m.references;
    if (refs.empty() && !m.in_reply_to.empty()) refs.push_back(m.in_reply_to);
    Node* previous = nullptr;
    for (auto& ref : refs) {
      Node* r = node_for(ref);
      if (previous != nullptr && r->parent == nullptr) link(previous, r);
      previous = r;
    }
    // RFC 5256 §4 1.B: the last reference is the parent. A parent guessed before (from another
    // message's truncated References) is broken first; the new link is then skipped if the last
    // reference is this message or one of its descendants (it would make a loop).
    if (!refs.empty()) {
      unlink(self);
      if (previous != self && !reaches(previous, self)) link(previous, self);
    }
  }
  // Step 2-3: the roots; dummies without children are dropped, a dummy's children are promoted
  // unless it is a root with several children.
  std::function<void(Node*)> prune = [&](Node* n) {
    std::vector<Node*> kept;
    for (auto* c : n->children) {
      prune(c);
      if (c->message == nullptr && c->children.empty()) continue;
      if (c->message == nullptr) {
        for (auto* g : c->children) {
          g->parent = n;
          kept.push_back(g);
        }
        continue;
      }
      kept.push_back(c);
    }
    n->children = std::move(kept);
  };
  Node root;
  for (auto& n : nodes)
    if (n->parent == nullptr) {
      n->parent = &root;
      root.children.push_back(n.get());
    }
  std::vector<Node*> top;
  for (auto* c : root.children) {
    prune(c);
    if (c->message == nullptr && c->children.empty()) continue;
    if (c->message == nullptr && c->children.size() == 1) {
      c->children.front()->parent = &root;
      top.push_back(c->children.front());
      continue;
    }
    top.push_back(c);
  }
  // Step 4: sort.
  for (auto* t : top) sort_tree(t);
  std::sort(top.begin(), top.end(), earlier);
  // Step 5: merge roots with the same base subject.
  std::map<std::string, Node*> by_subject;
  std::vector<Node*> merged;
  for (auto* t : top) {
    const Node* sample = t->message != nullptr ? t : t->children.front();
    bool reply = false;
    std::string subject = base_subject(sample->message->subject, &reply);
    if (subject.empty()) {
      merged.push_back(t);
      continue;
    }
    auto it = by_subject.find(subject);
    if (it == by_subject.end()) {
      by_subject[subject] = t;
      merged.push_back(t);
      continue;
    }
    Node* first = it->second;
    bool first_reply = false;
    base_subject((first->message != nullptr ? first : first->children.front())->message->subject, &first_reply);
    if (first->message == nullptr && t->message == nullptr) {
      for (auto* c : t->children) link(first, c);
    } else if (first->message == nullptr) {
      link(first, t);
    } else if (t->message == nullptr) {
      // The dummy takes the first's place in the list with the first among its children.
      auto pos = std::find(merged.begin(), merged.end(), first);
      t->children.push_back(first);
      first->parent = t;
      *pos = t;
      it->second = t;
    } else if (!first_reply && reply) {
      link(first, t);
    } else {
      // Neither is the other's original: both become children of a new dummy.
      nodes.push_back(std::make_unique<Node>());
      Node* dummy = nodes.back().get();
      auto pos = std::find(merged.begin(), merged.end(), first);
      dummy->children = {first, t};
      first->parent = t->parent = dummy;
      *pos = dummy;
      it->second = dummy;
    }
  }
  for (auto* t : merged) sort_tree(t);
  std::stable_sort(merged.begin(), merged.end(), earlier);
  std::string out;
  for (auto* t : merged) write(out, t, number, true);
  return out;
}

}  // namespace sealmail::imap
