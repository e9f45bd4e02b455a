// Compiled dispatcher: the same list scheduling as dispatch.py + timetable.py, step for
// step, so that both return the same plan (tests/unit/scheduling/test_native_dispatch.py
// compares them on random instances). The Python version is the reference and the
// fallback where no compiler was available at install time; this one exists because at
// 10,000 orders on 300 lines the Python dispatcher needs seconds, and the heuristic is
// meant to answer well within one.
//
// Every choice is made with the same keys as in Python (resource and job ids replaced by
// their rank in sorted order where Python compares the strings), so binary heaps that
// differ in how they break exact ties cannot make the two diverge: no two live entries
// of one heap have equal keys unless they are interchangeable.
//
// Input: a tuple of int64 arrays and float64 arrays packed by native.py (FIELD order
// below), plus the rule. Output: (0, resource, start, end, order) as bytes of int64, or
// (error kind, a, b) for native.py to turn into the SchedulingError Python would raise.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using i64 = std::int64_t;
constexpr i64 NEVER = i64(1) << 62;
constexpr int NONE = -1;  // no last family / no skill / no maximum wait

enum ErrorKind : int {
    ERR_MAX_WAIT = 1,       // a = job: no start satisfies its maximum waits
    ERR_NO_CALENDAR = 2,    // a = job, b = op index: fits no calendar
    ERR_NO_CONVERGE = 3,    // placement did not converge
    ERR_SKILL_SET = 4,      // a = Hall set: not enough operators
    ERR_SKILL_UNKNOWN = 5,  // a = skill id: not enough operators
};

struct KernelError {
    int kind;
    i64 a, b;
};

// ---------------------------------------------------------------- calendar.py

struct Calendar {
    bool always = true;
    std::vector<i64> starts, ends;

    // CalendarIndex.earliest_fit
    bool fit(i64 t, i64 duration, bool splittable, i64& s, i64& e) const {
        if (always) {
            s = t;
            e = t + duration;
            return true;
        }
        std::size_t i = std::upper_bound(ends.begin(), ends.end(), t) - ends.begin();
        while (i < starts.size()) {
            i64 start = std::max(t, starts[i]);
            if (splittable) {
                i64 remaining = duration - (ends[i] - start);
                std::size_t j = i;
                while (remaining > 0) {
                    ++j;
                    if (j >= starts.size()) return false;
                    remaining -= ends[j] - starts[j];
                }
                s = start;
                e = ends[j] + remaining;
                return true;
            }
            if (start + duration <= ends[i]) {
                s = start;
                e = start + duration;
                return true;
            }
            ++i;
        }
        return false;
    }
};

// ---------------------------------------------------------------- skills.py (SkillBoard)

struct SkillBoard {
    std::vector<std::vector<i64>> times, free;
    std::vector<std::vector<int>> sets_of;  // per skill id, Hall sets in increasing order
    std::vector<bool> known;                 // skill id appears in some Hall set

    // _push_set: false if fine, true with ``later`` set otherwise
    bool push_set(int k, i64 start, i64 end, i64 demand, i64& later) const {
        const auto& T = times[k];
        const auto& F = free[k];
        std::size_t lo = (std::upper_bound(T.begin(), T.end(), start) - T.begin()) - 1;
        std::size_t hi = std::lower_bound(T.begin() + lo + 1, T.end(), end) - T.begin();
        std::size_t i = lo;
        while (i < hi && F[i] >= demand) ++i;
        if (i == hi) return false;
        for (std::size_t j = i + 1; j < T.size(); ++j) {
            if (F[j] >= demand) {
                later = T[j];
                return true;
            }
        }
        throw KernelError{ERR_SKILL_SET, k, 0};
    }

    bool push_needed(int skill, i64 start, i64 end, i64 demand, i64& later) const {
        if (demand <= 0) return false;
        if (!known[skill]) throw KernelError{ERR_SKILL_UNKNOWN, skill, 0};
        for (int k : sets_of[skill]) {
            if (push_set(k, start, end, demand, later)) return true;
        }
        return false;
    }

    void take(int skill, i64 start, i64 end, i64 demand) {
        for (int k : sets_of[skill]) {
            auto& T = times[k];
            auto& F = free[k];
            std::size_t lo = std::lower_bound(T.begin(), T.end(), start) - T.begin();
            if (lo == T.size() || T[lo] != start) {
                T.insert(T.begin() + lo, start);
                F.insert(F.begin() + lo, F[lo - 1]);
            }
            std::size_t hi = std::lower_bound(T.begin() + lo, T.end(), end) - T.begin();
            if (hi == T.size() || T[hi] != end) {
                T.insert(T.begin() + hi, end);
                F.insert(F.begin() + hi, F[hi - 1]);
            }
            for (std::size_t i = lo; i < hi; ++i) F[i] -= demand;
        }
    }

    void add(int skill, i64 start, i64 end, i64 demand) {
        if (demand > 0 && end > start) take(skill, start, end, demand);
    }
    void remove(int skill, i64 start, i64 end, i64 demand) {
        if (demand > 0 && end > start) take(skill, start, end, -demand);
    }
};

// ---------------------------------------------------------------- timetable.py

struct LineEntry {  // (free_at, order, resource): order is the resource's index
    i64 free_at;
    int r;
};
struct LineAfter {  // min-heap order
    bool operator()(const LineEntry& a, const LineEntry& b) const {
        return a.free_at != b.free_at ? a.free_at > b.free_at : a.r > b.r;
    }
};

struct Part {
    int calendar;
    int table;  // setup table of its members (a representative's)
    std::vector<int> members;
    std::unordered_map<int, std::vector<LineEntry>> heaps;  // by last family (NONE too)
};

struct Frozen {
    i64 start, end;
    int family;
    bool operator<(const Frozen& o) const {
        if (start != o.start) return start < o.start;
        if (end != o.end) return end < o.end;
        return family < o.family;
    }
};

struct State {
    int calendar, table;
    i64 free_at = 0;
    int last = NONE;
    std::vector<Frozen> frozen;
    std::vector<int> parts;
};

struct Undo {
    int r;
    i64 free_at;
    int last;
    int skill;  // NONE: no skill use to undo
    i64 start, end, demand;
};

struct SetupTable {
    std::unordered_map<i64, i64> pairs;  // before * families + after -> duration
    i64 default_changeover = 0;
};

// Operation data, flattened over jobs.
struct Op {
    int modes, family, skill;
    i64 operators, min_wait, max_wait, material;
    bool splittable;
    int frozen_resource;
    i64 frozen_start, frozen_end;
};

struct ModeSet {
    std::vector<std::pair<int, i64>> modes;   // (resource, duration) in the operation's order
    std::vector<std::pair<int, i64>> sorted;  // the same by resource, for lookups
    std::vector<std::pair<int, i64>> parts;   // (part, duration) in Python's group order
    int queue;
    i64 shortest, longest;
};

struct Queue {
    std::vector<int> members;
    struct Ready {
        i64 ready;
        int k;
        int index;
    };
    std::vector<Ready> readies, pending;  // min-heaps by (ready, k, index)
};
struct ReadyAfter {
    bool operator()(const Queue::Ready& a, const Queue::Ready& b) const {
        if (a.ready != b.ready) return a.ready > b.ready;
        if (a.k != b.k) return a.k > b.k;
        return a.index > b.index;
    }
};

struct ShortEntry {  // (pre-selection key, job)
    double a, b, c;
    int k;
    bool operator<(const ShortEntry& o) const {
        if (a != o.a) return a < o.a;
        if (b != o.b) return b < o.b;
        if (c != o.c) return c < o.c;
        return k < o.k;
    }
};

struct Input {
    int rule;  // 0 atcs, 1 edd, 2 mwkr
    double k1, k2, mean_duration;
    i64 last_change, longest_setup, families;
    std::vector<double> mean_setup;
    std::vector<i64> res_rank;
    std::vector<Calendar> calendars;
    std::vector<SetupTable> tables;
    std::vector<State> states;
    std::vector<Part> parts;
    std::vector<ModeSet> modesets;
    std::vector<Queue> queues;
    std::vector<i64> job_release, job_due, job_weight, job_rank, job_first, job_count;
    std::vector<bool> job_has_due;
    std::vector<Op> ops;
    SkillBoard board;
};

class Dispatcher {
   public:
    explicit Dispatcher(Input& in) : in(in), states(in.states), board(in.board) {}

    void run();

    std::vector<i64> placed_resource, placed_start, placed_end;
    std::vector<bool> placed;

   private:
    Input& in;
    std::vector<State>& states;
    SkillBoard& board;
    std::vector<Undo> undo_log;

    // cursors
    std::vector<int> next_index;
    std::vector<i64> ready, op_due;
    std::vector<bool> has_op_due;
    std::vector<std::vector<i64>> remaining;
    // queues: a job waits in one queue at most, so these are per job
    std::vector<int> waiting;  // op index the job waits with, or NONE
    std::vector<ShortEntry> listed;
    std::vector<std::set<ShortEntry>> shortlists;
    std::vector<std::vector<int>> queues_of;
    // events
    std::vector<std::pair<i64, i64>> events;  // (t, resource rank) min-heap
    std::vector<i64> planned;
    std::vector<bool> has_planned;
    std::vector<int> by_rank;

    i64 setup(int table, int before, int after) const {
        const SetupTable& st = in.tables[table];
        if (!st.pairs.empty()) {
            auto it = st.pairs.find(i64(before) * in.families + after);
            if (it != st.pairs.end()) return it->second;
        }
        return before == after ? 0 : st.default_changeover;
    }

    int op_of(int k, int i) const { return int(in.job_first[k]) + i; }

    i64 duration_on(const ModeSet& ms, int r) const {
        auto it = std::lower_bound(ms.sorted.begin(), ms.sorted.end(), std::make_pair(r, i64(0)),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
        return it->second;
    }

    // ---- timetable
    void moved(int r) {
        State& s = states[r];
        for (int p : s.parts) {
            auto& heap = in.parts[p].heaps[s.last];
            heap.push_back(LineEntry{s.free_at, r});
            std::push_heap(heap.begin(), heap.end(), LineAfter());
        }
    }

    bool valid_top(std::vector<LineEntry>& heap, int last, LineEntry& top) {
        while (!heap.empty()) {
            const LineEntry& e = heap.front();
            const State& s = states[e.r];
            if (s.free_at == e.free_at && s.last == last) {
                top = e;
                return true;
            }
            std::pop_heap(heap.begin(), heap.end(), LineAfter());
            heap.pop_back();
        }
        return false;
    }

    struct Memo {
        i64 start, end, later;
        bool push;
    };

    bool earliest(const Op& op, int r, i64 t, i64 duration, std::vector<Memo>& memo, i64& s_out,
                  i64& e_out) {
        const State& state = states[r];
        const Calendar& cal = in.calendars[state.calendar];
        if (state.last != NONE) t = std::max(t, state.free_at + setup(state.table, state.last, op.family));
        for (int round = 0; round < 100000; ++round) {
            i64 start, end;
            if (!cal.fit(t, duration, op.splittable, start, end)) return false;
            const Frozen* clash = nullptr;
            for (const Frozen& f : state.frozen) {
                if (f.start < end + setup(state.table, op.family, f.family) &&
                    f.end + setup(state.table, f.family, op.family) > start) {
                    clash = &f;
                    break;
                }
            }
            if (clash != nullptr) {
                t = std::max(t + 1, clash->end + setup(state.table, clash->family, op.family));
                continue;
            }
            if (op.skill != NONE) {
                bool push = false;
                i64 later = 0;
                bool found = false;
                for (const Memo& m : memo) {
                    if (m.start == start && m.end == end) {
                        push = m.push;
                        later = m.later;
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    push = board.push_needed(op.skill, start, end, op.operators, later);
                    memo.push_back(Memo{start, end, later, push});
                }
                if (push) {
                    t = std::max(t + 1, later);
                    continue;
                }
            }
            s_out = start;
            e_out = end;
            return true;
        }
        throw KernelError{ERR_NO_CONVERGE, 0, 0};
    }

    void commit(const Op& op, int r, i64 start, i64 end) {
        State& s = states[r];
        Undo u{r, s.free_at, s.last, NONE, 0, 0, 0};
        if (op.skill != NONE) {
            u.skill = op.skill;
            u.start = start;
            u.end = end;
            u.demand = op.operators;
            board.add(op.skill, start, end, op.operators);
        }
        undo_log.push_back(u);
        s.free_at = end;
        s.last = op.family;
        moved(r);
    }

    void rollback(std::size_t mark) {
        while (undo_log.size() > mark) {
            Undo u = undo_log.back();
            undo_log.pop_back();
            State& s = states[u.r];
            s.free_at = u.free_at;
            s.last = u.last;
            moved(u.r);
            if (u.skill != NONE) board.remove(u.skill, u.start, u.end, u.demand);
        }
    }

    // Timetable.lines_by_bound as an explicit iterator.
    struct Loose {  // (bound, setup, start, order, part index, last)
        i64 bound, setup, start;
        int order, pi, last;
        bool operator>(const Loose& o) const {
            if (bound != o.bound) return bound > o.bound;
            if (setup != o.setup) return setup > o.setup;
            if (start != o.start) return start > o.start;
            if (order != o.order) return order > o.order;
            if (pi != o.pi) return pi > o.pi;
            return last > o.last;
        }
    };
    struct Tight {  // (end, setup, order, part index, last)
        i64 end, setup;
        int order, pi, last;
        bool operator>(const Tight& o) const {
            if (end != o.end) return end > o.end;
            if (setup != o.setup) return setup > o.setup;
            if (order != o.order) return order > o.order;
            if (pi != o.pi) return pi > o.pi;
            return last > o.last;
        }
    };
    struct Taken {
        int part, last;
        LineEntry entry;
    };

    class Lines {
       public:
        Lines(Dispatcher& d, const Op& op, i64 t) : d(d), op(op), t(t), ms(d.in.modesets[op.modes]) {
            for (std::size_t pi = 0; pi < ms.parts.size(); ++pi) {
                Part& part = d.in.parts[ms.parts[pi].first];
                i64 duration = ms.parts[pi].second;
                for (auto& [last, heap] : part.heaps) {
                    LineEntry top;
                    if (!d.valid_top(heap, last, top)) continue;
                    if (last == NONE) {
                        loose.push_back(Loose{t + duration, 0, t, top.r, int(pi), last});
                    } else {
                        i64 setup = d.setup(part.table, last, op.family);
                        i64 start = std::max(t, top.free_at + setup);
                        loose.push_back(Loose{start + duration, setup, start, top.r, int(pi), last});
                    }
                }
            }
            std::make_heap(loose.begin(), loose.end(), std::greater<Loose>());
        }

        bool next(i64& end_out, i64& setup_out, int& r_out, i64& duration_out) {
            for (;;) {
                while (!loose.empty() &&
                       (tight.empty() || std::make_pair(loose.front().bound, loose.front().setup) <
                                             std::make_pair(tight.front().end, tight.front().setup))) {
                    std::pop_heap(loose.begin(), loose.end(), std::greater<Loose>());
                    Loose l = loose.back();
                    loose.pop_back();
                    const Part& part = d.in.parts[ms.parts[l.pi].first];
                    i64 duration = ms.parts[l.pi].second;
                    i64 s, e;
                    i64 end = d.in.calendars[part.calendar].fit(l.start, duration, op.splittable, s, e)
                                  ? e
                                  : NEVER;
                    tight.push_back(Tight{end, l.setup, l.order, l.pi, l.last});
                    std::push_heap(tight.begin(), tight.end(), std::greater<Tight>());
                }
                if (tight.empty()) return false;
                std::pop_heap(tight.begin(), tight.end(), std::greater<Tight>());
                Tight top = tight.back();
                tight.pop_back();
                int p = ms.parts[top.pi].first;
                i64 duration = ms.parts[top.pi].second;
                Part& part = d.in.parts[p];
                auto& heap = part.heaps[top.last];
                std::pop_heap(heap.begin(), heap.end(), LineAfter());
                LineEntry entry = heap.back();
                heap.pop_back();
                taken.push_back(Taken{p, top.last, entry});
                LineEntry nxt;
                if (d.valid_top(heap, top.last, nxt)) {
                    i64 setup = top.last == NONE ? 0 : d.setup(part.table, top.last, op.family);
                    i64 start = top.last == NONE ? t : std::max(t, nxt.free_at + setup);
                    loose.push_back(Loose{start + duration, setup, start, nxt.r, top.pi, top.last});
                    std::push_heap(loose.begin(), loose.end(), std::greater<Loose>());
                }
                if (std::find(seen.begin(), seen.end(), entry.r) == seen.end()) {
                    seen.push_back(entry.r);
                    end_out = top.end;
                    setup_out = top.setup;
                    r_out = entry.r;
                    duration_out = duration;
                    return true;
                }
            }
        }

        ~Lines() {
            for (const Taken& tk : taken) {
                auto& heap = d.in.parts[tk.part].heaps[tk.last];
                heap.push_back(tk.entry);
                std::push_heap(heap.begin(), heap.end(), LineAfter());
            }
        }

       private:
        Dispatcher& d;
        const Op& op;
        i64 t;
        const ModeSet& ms;
        std::vector<Loose> loose;
        std::vector<Tight> tight;
        std::vector<Taken> taken;
        std::vector<int> seen;
    };

    // ---- dispatch.py
    void record(int k, int i, int r, i64 start, i64 end) {
        int o = op_of(k, i);
        placed[o] = true;
        placed_resource[o] = r;
        placed_start[o] = start;
        placed_end[o] = end;
    }

    i64 ready_time(int k) const {
        int i = next_index[k];
        const Op& op = in.ops[op_of(k, i)];
        i64 r = std::max(in.job_release[k], op.material);
        if (i > 0) r = std::max(r, placed_end[op_of(k, i - 1)] + op.min_wait);
        return r;
    }

    ShortEntry shortlist_key(int k) const {
        i64 work_left = remaining[k][next_index[k]];
        double rd = double(ready[k]);
        if (in.rule == 2) return ShortEntry{-double(work_left), rd, 0.0, k};
        if (in.rule == 1) {
            double due = in.job_has_due[k] ? double(in.job_due[k])
                                           : std::numeric_limits<double>::infinity();
            return ShortEntry{due, -double(work_left), rd, k};
        }
        if (!in.job_has_due[k]) return ShortEntry{-double(work_left), rd, 0.0, k};
        return ShortEntry{double(in.job_due[k] - work_left), rd, 0.0, k};
    }

    void candidates(int resource, i64 t, std::vector<ShortEntry>& found) {
        std::size_t limit = in.rule == 0 ? 24 : 1;
        found.clear();
        for (int q : queues_of[resource]) {
            Queue& queue = in.queues[q];
            auto& pending = queue.pending;
            auto& shortlist = shortlists[q];
            while (!pending.empty() && pending.front().ready <= t) {
                std::pop_heap(pending.begin(), pending.end(), ReadyAfter());
                Queue::Ready e = pending.back();
                pending.pop_back();
                if (waiting[e.k] == e.index) {
                    ShortEntry entry = shortlist_key(e.k);
                    shortlist.insert(entry);
                    listed[e.k] = entry;
                }
            }
            std::size_t n = 0;
            for (auto it = shortlist.begin(); it != shortlist.end() && n < limit; ++it, ++n) {
                found.push_back(*it);
            }
        }
        if (queues_of[resource].size() > 1) {
            std::sort(found.begin(), found.end());
            if (found.size() > limit) found.resize(limit);
        }
    }

    int choose(const std::vector<ShortEntry>& cands, int resource, i64 t) {
        if (in.rule != 0) return cands[0].k;
        const State& state = states[resource];
        int last = state.last;
        double slack_scale = in.k1 * in.mean_duration;
        double setup_scale = in.k2 * in.mean_setup[resource];
        std::vector<std::pair<int, i64>> setups;  // by family: a handful per decision
        int best = cands[0].k;
        double bk0 = std::numeric_limits<double>::infinity();
        i64 bk1 = 0, bk2 = 0;
        for (const ShortEntry& c : cands) {
            int k = c.k;
            int i = next_index[k];
            const Op& op = in.ops[op_of(k, i)];
            i64 p = duration_on(in.modesets[op.modes], resource);
            i64 setup_time = 0;
            if (last != NONE) {
                auto it = std::find_if(setups.begin(), setups.end(),
                                       [&](const auto& s) { return s.first == op.family; });
                if (it == setups.end()) {
                    setup_time = setup(state.table, last, op.family);
                    setups.emplace_back(op.family, setup_time);
                } else {
                    setup_time = it->second;
                }
            }
            i64 slack = has_op_due[k] ? std::max<i64>(op_due[k] - p - t, 0) : 0;
            double index = (double(in.job_weight[k]) / double(p)) *
                           std::exp(-double(slack) / slack_scale - double(setup_time) / setup_scale);
            double key0 = -index;
            i64 key1 = -remaining[k][i], key2 = ready[k];
            bool better = key0 != bk0 ? key0 < bk0 : (key1 != bk1 ? key1 < bk1 : key2 < bk2);
            if (better) {
                best = k;
                bk0 = key0;
                bk1 = key1;
                bk2 = key2;
            }
        }
        return best;
    }

    int chain_end(int k, int index) const {
        int n = int(in.job_count[k]);
        int last = index;
        while (last + 1 < n && in.ops[op_of(k, last + 1)].max_wait != NONE) ++last;
        return last;
    }

    // _try_chain: true when placed, else ``push`` says how much later to retry
    bool try_chain(int k, int first, int last, i64 head_ready, i64& push) {
        std::vector<Memo> memo;
        for (int i = first; i <= last; ++i) {
            const Op& op = in.ops[op_of(k, i)];
            const ModeSet& ms = in.modesets[op.modes];
            i64 rdy = head_ready;
            bool has_latest = false;
            i64 latest = 0;
            if (i != first) {
                i64 prev_end = placed_end[op_of(k, i - 1)];
                rdy = std::max({prev_end + op.min_wait, op.material, in.job_release[k]});
                has_latest = true;
                latest = prev_end + op.max_wait;
            } else if (i > 0 && op.max_wait != NONE) {
                has_latest = true;
                latest = placed_end[op_of(k, i - 1)] + op.max_wait;
            }
            bool found = false;
            i64 bs = 0, be = 0;
            int br = 0;
            i64 key_end = NEVER, key_setup = NEVER;
            memo.clear();
            {
                Lines lines(*this, op, rdy);
                i64 bound, setup_time, duration;
                int r;
                while (lines.next(bound, setup_time, r, duration)) {
                    if (std::make_pair(bound, setup_time) >= std::make_pair(key_end, key_setup)) break;
                    i64 s, e;
                    if (earliest(op, r, rdy, duration, memo, s, e) &&
                        std::make_pair(e, setup_time) < std::make_pair(key_end, key_setup)) {
                        found = true;
                        bs = s;
                        be = e;
                        br = r;
                        key_end = e;
                        key_setup = setup_time;
                    }
                }
            }
            if (!found) throw KernelError{ERR_NO_CALENDAR, k, i};
            if (has_latest && bs > latest) {
                i64 earliest_start = NEVER;
                for (const auto& [r, d] : ms.modes) {
                    i64 s, e;
                    if (earliest(op, r, rdy, d, memo, s, e)) earliest_start = std::min(earliest_start, s);
                }
                if (earliest_start > latest && i != first) {
                    push = earliest_start - latest;
                    return false;
                }
                latest = std::max(latest, earliest_start);
                bool any = false;
                for (const auto& [r, d] : ms.modes) {
                    i64 s, e;
                    if (earliest(op, r, rdy, d, memo, s, e) && s <= latest) {
                        if (!any || std::make_pair(e, s) < std::make_pair(be, bs)) {
                            any = true;
                            bs = s;
                            be = e;
                            br = r;
                        }
                    }
                }
            }
            commit(op, br, bs, be);
            record(k, i, br, bs, be);
        }
        return true;
    }

    void place_chain(int k) {
        int first = next_index[k];
        int last = chain_end(k, first);
        i64 head_ready = ready[k];
        bool has_quiet = false;
        i64 quiet = 0;
        for (;;) {
            std::size_t mark = undo_log.size();
            i64 push = 0;
            if (try_chain(k, first, last, head_ready, push)) {
                next_index[k] = last + 1;
                return;
            }
            rollback(mark);
            for (int i = first; i <= last; ++i) placed[op_of(k, i)] = false;
            if (!has_quiet) {
                has_quiet = true;
                quiet = std::max<i64>(in.last_change, 0);
                for (std::size_t o = 0; o < placed.size(); ++o) {
                    if (placed[o]) quiet = std::max(quiet, placed_end[o]);
                }
                i64 span = 0;
                for (int i = first; i <= last; ++i) span += in.modesets[in.ops[op_of(k, i)].modes].longest;
                quiet += 2 * span + in.longest_setup;
            }
            if (head_ready > quiet) throw KernelError{ERR_MAX_WAIT, k, 0};
            head_ready += push;
        }
    }

    bool decision_time(int resource, i64& out) {
        bool any = false;
        i64 first = 0;
        for (int q : queues_of[resource]) {
            auto& heap = in.queues[q].readies;
            while (!heap.empty() && waiting[heap.front().k] != heap.front().index) {
                std::pop_heap(heap.begin(), heap.end(), ReadyAfter());
                heap.pop_back();
            }
            if (!heap.empty() && (!any || heap.front().ready < first)) {
                any = true;
                first = heap.front().ready;
            }
        }
        if (!any) return false;
        out = std::max(first, states[resource].free_at);
        return true;
    }

    void push_event(i64 t, int resource) {
        events.emplace_back(t, in.res_rank[resource]);
        std::push_heap(events.begin(), events.end(), std::greater<std::pair<i64, i64>>());
    }

    void schedule(int resource) {
        i64 t;
        if (!decision_time(resource, t)) {
            has_planned[resource] = false;
        } else if (!has_planned[resource] || planned[resource] != t) {
            has_planned[resource] = true;
            planned[resource] = t;
            push_event(t, resource);
        }
    }

    void enqueue(int k) {
        int index = next_index[k];
        if (index >= in.job_count[k]) return;
        i64 r = ready[k] = ready_time(k);
        const Op& op = in.ops[op_of(k, index)];
        if (in.rule == 0 && in.job_has_due[k]) {
            op_due[k] = in.job_due[k] - remaining[k][index + 1];  // 0 past the last
            has_op_due[k] = true;
        }
        int q = in.modesets[op.modes].queue;
        Queue& queue = in.queues[q];
        waiting[k] = index;
        queue.readies.push_back(Queue::Ready{r, k, index});
        std::push_heap(queue.readies.begin(), queue.readies.end(), ReadyAfter());
        queue.pending.push_back(Queue::Ready{r, k, index});
        std::push_heap(queue.pending.begin(), queue.pending.end(), ReadyAfter());
        for (int resource : queue.members) {
            i64 t = std::max(r, states[resource].free_at);
            if (!has_planned[resource] || t < planned[resource]) {
                has_planned[resource] = true;
                planned[resource] = t;
                push_event(t, resource);
            }
        }
    }
};

void Dispatcher::run() {
    std::size_t J = in.job_release.size(), N = in.ops.size(), R = states.size();
    placed.assign(N, false);
    placed_resource.assign(N, 0);
    placed_start.assign(N, 0);
    placed_end.assign(N, 0);
    next_index.assign(J, 0);
    ready.assign(J, 0);
    op_due.assign(J, 0);
    has_op_due.assign(J, false);
    remaining.assign(J, {});
    waiting.assign(J, NONE);
    listed.assign(J, ShortEntry{0, 0, 0, 0});
    shortlists.assign(in.queues.size(), {});
    queues_of.assign(R, {});
    planned.assign(R, 0);
    has_planned.assign(R, false);
    for (std::size_t q = 0; q < in.queues.size(); ++q) {
        for (int r : in.queues[q].members) queues_of[r].push_back(int(q));
    }
    by_rank.assign(R, 0);
    for (std::size_t r = 0; r < R; ++r) by_rank[in.res_rank[r]] = int(r);

    // Dispatcher.__init__: remaining work (one extra trailing 0 so ``index + 1`` is
    // always readable; Python checks the length instead) and frozen heads.
    for (std::size_t k = 0; k < J; ++k) {
        int n = int(in.job_count[k]);
        auto& rem = remaining[k];
        rem.assign(n + 1, 0);
        for (int i = n - 1; i >= 0; --i) rem[i] = rem[i + 1] + in.modesets[in.ops[op_of(int(k), i)].modes].shortest;
        ready[k] = in.job_release[k];
        for (int i = 0; i < n; ++i) {
            const Op& op = in.ops[op_of(int(k), i)];
            if (op.frozen_resource == NONE) break;
            record(int(k), i, op.frozen_resource, op.frozen_start, op.frozen_end);
            next_index[k] = i + 1;
        }
    }

    for (std::size_t k = 0; k < J; ++k) {
        int nxt = next_index[k];
        if (0 < nxt && nxt < in.job_count[k] && in.ops[op_of(int(k), nxt)].max_wait != NONE) {
            ready[k] = ready_time(int(k));
            place_chain(int(k));
        }
        enqueue(int(k));
    }
    std::vector<ShortEntry> found;
    while (!events.empty()) {
        std::pop_heap(events.begin(), events.end(), std::greater<std::pair<i64, i64>>());
        auto [t, rank] = events.back();
        events.pop_back();
        int resource = by_rank[rank];
        if (!has_planned[resource] || planned[resource] != t) continue;
        i64 now;
        bool some = decision_time(resource, now);
        if (!some || now != t) {
            if (!some) {
                has_planned[resource] = false;
            } else {
                planned[resource] = now;
                push_event(now, resource);
            }
            continue;
        }
        candidates(resource, t, found);
        int chosen = choose(found, resource, t);
        int q = in.modesets[in.ops[op_of(chosen, next_index[chosen])].modes].queue;
        waiting[chosen] = NONE;
        shortlists[q].erase(listed[chosen]);
        place_chain(chosen);
        has_planned[resource] = false;
        enqueue(chosen);
        schedule(resource);
    }
}

// ---------------------------------------------------------------- unpacking

struct Arrays {
    std::vector<Py_buffer> views;
    ~Arrays() {
        for (auto& v : views) PyBuffer_Release(&v);
    }
};

template <typename T>
struct View {
    const T* data = nullptr;
    std::size_t size = 0;
    T operator[](std::size_t i) const { return data[i]; }
};

template <typename T>
bool view_of(PyObject* tuple, Py_ssize_t index, Arrays& arrays, View<T>& out) {
    PyObject* obj = PyTuple_GetItem(tuple, index);
    if (obj == nullptr) return false;
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) return false;
    arrays.views.push_back(view);
    if (view.itemsize != sizeof(T)) {
        PyErr_Format(PyExc_TypeError, "field %zd: item size %zd, expected %zu", index, view.itemsize,
                     sizeof(T));
        return false;
    }
    out.data = static_cast<const T*>(view.buf);
    out.size = std::size_t(view.len / view.itemsize);
    return true;
}

// Field order: keep in step with FIELDS in native.py.
enum Field : Py_ssize_t {
    F_SCALARS,      // i64: last_change, longest_setup, families, skills
    F_RES,          // i64 per resource: calendar, table, rank
    F_MEAN_SETUP,   // f64 per resource
    F_CAL_OFF,      // i64 calendars + 1
    F_CAL_ALWAYS,   // i64 per calendar: 1 = always available (and no windows)
    F_CAL_WINDOWS,  // i64 start, end pairs
    F_TABLE_OFF,    // i64 tables + 1
    F_TABLE_DEFAULT,
    F_TABLE_PAIRS,  // i64 before, after, duration triples
    F_PART_OFF,     // i64 parts + 1
    F_PART_MEMBERS,
    F_MODES_OFF,    // i64 modesets + 1
    F_MODES,        // i64 resource, duration pairs
    F_MODE_PARTS_OFF,
    F_MODE_PARTS,   // i64 part, duration pairs
    F_MODE_QUEUE,   // i64 per modeset
    F_QUEUE_OFF,
    F_QUEUE_MEMBERS,
    F_JOBS,         // i64 per job: release, has_due, due, weight, rank, first op, op count
    F_OPS,          // i64 per op: 11 fields (see Op)
    F_SET_OFF,      // i64 Hall sets + 1
    F_SET_STEPS,    // i64 time, free pairs
    F_SETS_OF_OFF,  // i64 skills + 1
    F_SETS_OF,
    F_COUNT
};

bool unpack(PyObject* tuple, Input& in) {
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != F_COUNT) {
        PyErr_SetString(PyExc_TypeError, "packed instance has the wrong shape");
        return false;
    }
    Arrays arrays;
    View<i64> sc, res, cal_off, cal_always, cal_w, t_off, t_def, t_pairs, p_off, p_mem, m_off, m,
        mp_off, mp, mq, q_off, q_mem, jobs, ops, s_off, s_steps, so_off, so;
    View<double> mean_setup;
    if (!view_of(tuple, F_SCALARS, arrays, sc) ||
        !view_of(tuple, F_RES, arrays, res) || !view_of(tuple, F_MEAN_SETUP, arrays, mean_setup) ||
        !view_of(tuple, F_CAL_OFF, arrays, cal_off) ||
        !view_of(tuple, F_CAL_ALWAYS, arrays, cal_always) ||
        !view_of(tuple, F_CAL_WINDOWS, arrays, cal_w) || !view_of(tuple, F_TABLE_OFF, arrays, t_off) ||
        !view_of(tuple, F_TABLE_DEFAULT, arrays, t_def) ||
        !view_of(tuple, F_TABLE_PAIRS, arrays, t_pairs) ||
        !view_of(tuple, F_PART_OFF, arrays, p_off) || !view_of(tuple, F_PART_MEMBERS, arrays, p_mem) ||
        !view_of(tuple, F_MODES_OFF, arrays, m_off) || !view_of(tuple, F_MODES, arrays, m) ||
        !view_of(tuple, F_MODE_PARTS_OFF, arrays, mp_off) || !view_of(tuple, F_MODE_PARTS, arrays, mp) ||
        !view_of(tuple, F_MODE_QUEUE, arrays, mq) || !view_of(tuple, F_QUEUE_OFF, arrays, q_off) ||
        !view_of(tuple, F_QUEUE_MEMBERS, arrays, q_mem) || !view_of(tuple, F_JOBS, arrays, jobs) ||
        !view_of(tuple, F_OPS, arrays, ops) || !view_of(tuple, F_SET_OFF, arrays, s_off) ||
        !view_of(tuple, F_SET_STEPS, arrays, s_steps) ||
        !view_of(tuple, F_SETS_OF_OFF, arrays, so_off) || !view_of(tuple, F_SETS_OF, arrays, so)) {
        return false;
    }
    in.last_change = sc[0];
    in.longest_setup = sc[1];
    in.families = sc[2];
    std::size_t skills = std::size_t(sc[3]);
    std::size_t R = mean_setup.size;
    in.mean_setup.assign(mean_setup.data, mean_setup.data + R);
    in.states.assign(R, State{});
    in.res_rank.assign(R, 0);
    for (std::size_t r = 0; r < R; ++r) {
        in.states[r].calendar = int(res[3 * r]);
        in.states[r].table = int(res[3 * r + 1]);
        in.res_rank[r] = res[3 * r + 2];
    }
    in.calendars.assign(cal_always.size, Calendar{});
    for (std::size_t c = 0; c < cal_always.size; ++c) {
        Calendar& cal = in.calendars[c];
        cal.always = cal_always[c] != 0;
        for (i64 w = cal_off[c]; w < cal_off[c + 1]; ++w) {
            cal.starts.push_back(cal_w[2 * w]);
            cal.ends.push_back(cal_w[2 * w + 1]);
        }
    }
    in.tables.assign(t_def.size, SetupTable{});
    for (std::size_t t = 0; t < t_def.size; ++t) {
        in.tables[t].default_changeover = t_def[t];
        for (i64 e = t_off[t]; e < t_off[t + 1]; ++e) {
            in.tables[t].pairs[t_pairs[3 * e] * in.families + t_pairs[3 * e + 1]] = t_pairs[3 * e + 2];
        }
    }
    std::size_t P = p_off.size - 1;
    in.parts.assign(P, Part{});
    for (std::size_t p = 0; p < P; ++p) {
        Part& part = in.parts[p];
        for (i64 e = p_off[p]; e < p_off[p + 1]; ++e) part.members.push_back(int(p_mem[e]));
        part.calendar = in.states[part.members[0]].calendar;
        part.table = in.states[part.members[0]].table;
        auto& heap = part.heaps[NONE];
        for (int r : part.members) {
            in.states[r].parts.push_back(int(p));
            heap.push_back(LineEntry{0, r});
        }
        std::make_heap(heap.begin(), heap.end(), LineAfter());
    }
    std::size_t M = mq.size;
    in.modesets.assign(M, ModeSet{});
    for (std::size_t s = 0; s < M; ++s) {
        ModeSet& ms = in.modesets[s];
        ms.queue = int(mq[s]);
        ms.shortest = NEVER;
        ms.longest = 0;
        for (i64 e = m_off[s]; e < m_off[s + 1]; ++e) {
            ms.modes.emplace_back(int(m[2 * e]), m[2 * e + 1]);
            ms.shortest = std::min(ms.shortest, m[2 * e + 1]);
            ms.longest = std::max(ms.longest, m[2 * e + 1]);
        }
        ms.sorted = ms.modes;
        std::sort(ms.sorted.begin(), ms.sorted.end());
        for (i64 e = mp_off[s]; e < mp_off[s + 1]; ++e) ms.parts.emplace_back(int(mp[2 * e]), mp[2 * e + 1]);
    }
    std::size_t Q = q_off.size - 1;
    in.queues.assign(Q, Queue{});
    for (std::size_t q = 0; q < Q; ++q) {
        for (i64 e = q_off[q]; e < q_off[q + 1]; ++e) in.queues[q].members.push_back(int(q_mem[e]));
    }
    std::size_t J = jobs.size / 7;
    for (std::size_t k = 0; k < J; ++k) {
        in.job_release.push_back(jobs[7 * k]);
        in.job_has_due.push_back(jobs[7 * k + 1] != 0);
        in.job_due.push_back(jobs[7 * k + 2]);
        in.job_weight.push_back(jobs[7 * k + 3]);
        in.job_rank.push_back(jobs[7 * k + 4]);
        in.job_first.push_back(jobs[7 * k + 5]);
        in.job_count.push_back(jobs[7 * k + 6]);
    }
    std::size_t N = ops.size / 11;
    in.ops.resize(N);
    for (std::size_t o = 0; o < N; ++o) {
        const i64* f = ops.data + 11 * o;
        Op& op = in.ops[o];
        op.modes = int(f[0]);
        op.family = int(f[1]);
        op.skill = int(f[2]);
        op.operators = f[3];
        op.min_wait = f[4];
        op.max_wait = f[5];
        op.splittable = f[6] != 0;
        op.material = f[7];
        op.frozen_resource = int(f[8]);
        op.frozen_start = f[9];
        op.frozen_end = f[10];
        if (op.frozen_resource != NONE) {
            auto& frozen = in.states[op.frozen_resource].frozen;
            Frozen item{op.frozen_start, op.frozen_end, op.family};
            frozen.insert(std::upper_bound(frozen.begin(), frozen.end(), item), item);
        }
    }
    // Mean processing time over every operation's modes, as _Dispatcher.__init__ has it
    // (exact integer sums, one division).
    i64 total = 0, count = 0;
    for (const Op& op : in.ops) {
        for (const auto& mode : in.modesets[op.modes].modes) total += mode.second;
        count += i64(in.modesets[op.modes].modes.size());
    }
    in.mean_duration = std::max(1.0, double(total) / double(std::max<i64>(1, count)));
    std::size_t S = s_off.size - 1;
    in.board.times.assign(S, {});
    in.board.free.assign(S, {});
    for (std::size_t k = 0; k < S; ++k) {
        for (i64 e = s_off[k]; e < s_off[k + 1]; ++e) {
            in.board.times[k].push_back(s_steps[2 * e]);
            in.board.free[k].push_back(s_steps[2 * e + 1]);
        }
    }
    in.board.sets_of.assign(skills, {});
    in.board.known.assign(skills, false);
    for (std::size_t s = 0; s < skills; ++s) {
        for (i64 e = so_off[s]; e < so_off[s + 1]; ++e) in.board.sets_of[s].push_back(int(so[e]));
        in.board.known[s] = so_off[s + 1] > so_off[s];
    }
    return true;
}

PyObject* bytes_of(const std::vector<i64>& v) {
    return PyBytes_FromStringAndSize(reinterpret_cast<const char*>(v.data()),
                                     Py_ssize_t(v.size() * sizeof(i64)));
}

PyObject* kernel_run(PyObject*, PyObject* args) {
    PyObject* packed;
    int rule;
    double k1, k2;
    if (!PyArg_ParseTuple(args, "O!idd", &PyTuple_Type, &packed, &rule, &k1, &k2)) return nullptr;
    if (rule < 0 || rule > 2) {
        PyErr_SetString(PyExc_ValueError, "rule must be 0 (atcs), 1 (edd) or 2 (mwkr)");
        return nullptr;
    }
    Input in;
    in.rule = rule;
    in.k1 = k1;
    in.k2 = k2;
    if (!unpack(packed, in)) return nullptr;
    Dispatcher d(in);
    KernelError error{0, 0, 0};
    std::vector<i64> order;
    bool failed = false;
    Py_BEGIN_ALLOW_THREADS;
    try {
        d.run();
        // Python sorts the plan by (start, resource id, job id, index).
        std::vector<std::size_t> job_of(in.ops.size());
        for (std::size_t k = 0; k < in.job_first.size(); ++k) {
            for (i64 i = 0; i < in.job_count[k]; ++i) job_of[std::size_t(in.job_first[k] + i)] = k;
        }
        for (std::size_t o = 0; o < in.ops.size(); ++o) {
            if (d.placed[o]) order.push_back(i64(o));
        }
        std::sort(order.begin(), order.end(), [&](i64 a, i64 b) {
            if (d.placed_start[a] != d.placed_start[b]) return d.placed_start[a] < d.placed_start[b];
            i64 ra = in.res_rank[d.placed_resource[a]], rb = in.res_rank[d.placed_resource[b]];
            if (ra != rb) return ra < rb;
            i64 ja = in.job_rank[job_of[a]], jb = in.job_rank[job_of[b]];
            if (ja != jb) return ja < jb;
            return a < b;
        });
    } catch (const KernelError& e) {
        error = e;
        failed = true;
    } catch (const std::bad_alloc&) {
        failed = true;
        error = KernelError{-1, 0, 0};
    }
    Py_END_ALLOW_THREADS;
    if (failed) {
        if (error.kind == -1) return PyErr_NoMemory();
        return Py_BuildValue("(iLL)", error.kind, (long long)error.a, (long long)error.b);
    }
    PyObject* r = bytes_of(d.placed_resource);
    PyObject* s = bytes_of(d.placed_start);
    PyObject* e = bytes_of(d.placed_end);
    PyObject* o = bytes_of(order);
    if (!r || !s || !e || !o) {
        Py_XDECREF(r);
        Py_XDECREF(s);
        Py_XDECREF(e);
        Py_XDECREF(o);
        return nullptr;
    }
    return Py_BuildValue("(iNNNN)", 0, r, s, e, o);
}

PyMethodDef methods[] = {
    {"run", kernel_run, METH_VARARGS,
     "run(packed, rule, k1, k2): dispatch a packed instance (see linewise.scheduling.native)."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_dispatch_kernel", "Compiled list-scheduling dispatcher.", -1, methods,
};

}  // namespace

PyMODINIT_FUNC PyInit__dispatch_kernel(void) {
    PyObject* m = PyModule_Create(&module);
    if (m != nullptr && PyModule_AddIntConstant(m, "FIELDS", F_COUNT) != 0) {
        Py_DECREF(m);
        return nullptr;
    }
    return m;
}
