// The interleaving puzzles' widget. The reader is the scheduler: each "Step" button runs
// one line of one thread, and the reader wins by driving the program into the bad state.
//
// Each `<div class="puzzle" data-puzzle="ID">` of the page holds its puzzle as JSON (the
// builder, crates/book-builder/src/puzzles.rs, checked it and left out the solution). The
// format and the expression grammar: book/src/puzzles/README.md. Expressions are parsed by
// the small parser below and never handed to eval or Function.
//
// Test API (used by the course's browser check), on every page:
//   coursePuzzles.ids()                 the ids of this page's puzzles, in order
//   coursePuzzles.reset(id)
//   coursePuzzles.step(id, thread)      -> {ok, error?}: what the buttons call
//   coursePuzzles.play(id, schedule)    -> {won, finished, blocked, state, message, error?}
//   coursePuzzles.explore(id, limit?)   -> {winnable, states, complete, schedule?}
(function () {
  "use strict";

  // ---- Expressions: the same grammar as the builder's ------------------------------------
  var OPS = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "!", "(", ")",
    ",", ".", "?", ":", "=", ";"];
  var LEVELS = [["||"], ["&&"], ["==", "!=", "<=", ">=", "<", ">"], ["+", "-"], ["*"]];

  function tokenize(text) {
    var tokens = [], i = 0, m;
    while (i < text.length) {
      var rest = text.slice(i);
      if ((m = /^\s+/.exec(rest))) { i += m[0].length; continue; }
      if ((m = /^[0-9]+/.exec(rest))) { tokens.push({ int: Number(m[0]) }); }
      else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) { tokens.push({ name: m[0] }); }
      else {
        var op = OPS.filter(function (o) { return rest.indexOf(o) === 0; })[0];
        if (!op) throw new Error("unexpected character " + rest[0] + " in " + text);
        m = [op]; tokens.push({ op: op });
      }
      i += m[0].length;
    }
    return tokens;
  }

  // Recursive descent; nodes are arrays: ["int", n], ["bool", b], ["name", n],
  // ["local", thread, n], ["call", f, args], ["un", op, e], ["bin", op, l, r], ["cond", c, a, b].
  function Parser(tokens, text) { this.t = tokens; this.i = 0; this.text = text; }
  Parser.prototype.fail = function (what) { throw new Error(what + " in " + this.text); };
  Parser.prototype.eat = function (op) {
    var tok = this.t[this.i];
    if (tok && tok.op === op) { this.i++; return true; }
    return false;
  };
  Parser.prototype.expect = function (op) { if (!this.eat(op)) this.fail("expected " + op); };
  Parser.prototype.expr = function () {
    var c = this.binary(0);
    if (!this.eat("?")) return c;
    var a = this.expr();
    this.expect(":");
    return ["cond", c, a, this.expr()];
  };
  Parser.prototype.binary = function (level) {
    if (level === LEVELS.length) return this.unary();
    var left = this.binary(level + 1), tok;
    while ((tok = this.t[this.i]) && LEVELS[level].indexOf(tok.op) >= 0) {
      this.i++;
      left = ["bin", tok.op, left, this.binary(level + 1)];
    }
    return left;
  };
  Parser.prototype.unary = function () {
    if (this.eat("!")) return ["un", "!", this.unary()];
    if (this.eat("-")) return ["un", "-", this.unary()];
    return this.atom();
  };
  Parser.prototype.atom = function () {
    var tok = this.t[this.i++];
    if (!tok) this.fail("expected a value");
    if ("int" in tok) return ["int", tok.int];
    if (tok.op === "(") { var inner = this.expr(); this.expect(")"); return inner; }
    if (!tok.name) this.fail("unexpected " + tok.op);
    if (tok.name === "true" || tok.name === "false") return ["bool", tok.name === "true"];
    if (this.eat("(")) {
      var args = [];
      if (!this.eat(")")) {
        do { args.push(this.expr()); } while (this.eat(","));
        this.expect(")");
      }
      return ["call", tok.name, args];
    }
    if (this.eat(".")) {
      var local = this.t[this.i++];
      if (!local || !local.name) this.fail("expected a local's name");
      return ["local", tok.name, local.name];
    }
    return ["name", tok.name];
  };

  function parseExpr(text) {
    var p = new Parser(tokenize(text), text), e = p.expr();
    if (p.i < p.t.length) p.fail("unexpected text");
    return e;
  }

  // `a = expr; b = expr` -> [[a, ast], [b, ast]]
  function parseDo(text) {
    return text.split(";").filter(function (s) { return s.trim(); }).map(function (s) {
      var m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$/.exec(s);
      if (!m) throw new Error("not an assignment: " + s);
      return [m[1], parseExpr(m[2])];
    });
  }

  // ---- The machine -----------------------------------------------------------------------
  // A state: {pc: [line per thread], locals: [{name: value}], shared: {}, steps, waited: []}.
  // A thread whose pc is past its last line has finished.

  function Machine(p) {
    this.p = p;
    this.names = p.threads.map(function (t) { return t.name; });
    this.threads = p.threads.map(function (t) {
      var labels = {};
      t.lines.forEach(function (l, i) { if (l.label) labels[l.label] = i; });
      return {
        name: t.name, labels: labels,
        lines: t.lines.map(function (l) {
          return {
            code: l.code, label: l.label, goto: l.goto, blocked: l.blocked, awaitText: l.await,
            await: l.await ? parseExpr(l.await) : null,
            do: l.do ? parseDo(l.do) : [],
            if: l.if ? parseExpr(l.if) : null
          };
        })
      };
    });
    this.win = parseExpr(p.win);
    // The step count and the waiting counters are part of a state only if used.
    this.usesSteps = /\bsteps\b/.test(p.win);
    this.usesWaited = /\bwaited\s*\(/.test(p.win);
  }

  Machine.prototype.initial = function () {
    var shared = {};
    this.p.shared.forEach(function (kv) { shared[kv[0]] = kv[1]; });
    return {
      pc: this.threads.map(function () { return 0; }),
      locals: this.p.threads.map(function (t) {
        var l = {};
        t.locals.forEach(function (kv) { l[kv[0]] = kv[1]; });
        return l;
      }),
      shared: shared, steps: 0,
      waited: this.threads.map(function () { return 0; })
    };
  };

  Machine.prototype.index = function (name) {
    var i = this.names.indexOf(name);
    if (i < 0) throw new Error("no thread is called " + name);
    return i;
  };

  Machine.prototype.done = function (s, t) { return s.pc[t] >= this.threads[t].lines.length; };

  // Why thread t cannot take a step (finished, or its line's `await` is false), or null.
  Machine.prototype.blockedReason = function (s, t) {
    if (this.done(s, t)) return "finished";
    var line = this.threads[t].lines[s.pc[t]];
    if (line.await && !this.eval(s, t, line.await)) {
      return line.blocked || "waits until " + line.awaitText;
    }
    return null;
  };
  Machine.prototype.blocked = function (s, t) {
    return !this.done(s, t) && this.blockedReason(s, t) !== null;
  };
  Machine.prototype.deadlock = function (s) {
    var self = this, waiting = false;
    for (var t = 0; t < this.threads.length; t++) {
      if (self.done(s, t)) continue;
      if (!self.blocked(s, t)) return false;
      waiting = true;
    }
    return waiting;
  };

  // Evaluates `e` in thread t's scope (its locals, then shared), or in `win`'s (t = -1).
  Machine.prototype.eval = function (s, t, e) {
    var self = this, v = function (x) { return self.eval(s, t, x); };
    switch (e[0]) {
      case "int": case "bool": return e[1];
      case "name":
        if (e[1] === "deadlock") return this.deadlock(s);
        if (e[1] === "steps") return s.steps;
        if (t >= 0 && e[1] in s.locals[t]) return s.locals[t][e[1]];
        if (e[1] in s.shared) return s.shared[e[1]];
        throw new Error("unknown name " + e[1]);
      case "local": return s.locals[this.index(e[1])][e[2]];
      case "call":
        var th = this.index(e[2][0][1]);
        if (e[1] === "done") return this.done(s, th);
        if (e[1] === "blocked") return this.blocked(s, th);
        if (e[1] === "waited") return s.waited[th];
        if (e[1] === "at") return s.pc[th] === this.threads[th].labels[e[2][1][1]];
        throw new Error("unknown function " + e[1]);
      case "un": return e[1] === "!" ? !v(e[2]) : -v(e[2]);
      case "cond": return v(e[1]) ? v(e[2]) : v(e[3]);
      case "bin":
        var op = e[1];
        if (op === "&&") return v(e[2]) && v(e[3]);
        if (op === "||") return v(e[2]) || v(e[3]);
        var a = v(e[2]), b = v(e[3]);
        switch (op) {
          case "+": return a + b;
          case "-": return a - b;
          case "*": return a * b;
          case "==": return a === b;
          case "!=": return a !== b;
          case "<": return a < b;
          case "<=": return a <= b;
          case ">": return a > b;
          case ">=": return a >= b;
        }
    }
    throw new Error("cannot evaluate " + JSON.stringify(e));
  };

  function clone(s) {
    return {
      pc: s.pc.slice(), steps: s.steps, waited: s.waited.slice(),
      locals: s.locals.map(function (l) { return Object.assign({}, l); }),
      shared: Object.assign({}, s.shared)
    };
  }

  // One step of thread t: the new state, or throws with the reason it cannot run.
  Machine.prototype.advance = function (s, t) {
    var reason = this.blockedReason(s, t);
    if (reason) throw new Error(this.names[t] + " cannot run: " + reason);
    var n = clone(s), th = this.threads[t], line = th.lines[s.pc[t]];
    line.do.forEach(function (a) {   // assignments in order, all in this one step
      var value = this.eval(n, t, a[1]);
      if (a[0] in n.locals[t]) n.locals[t][a[0]] = value; else n.shared[a[0]] = value;
    }, this);
    n.pc[t] = s.pc[t] + 1;
    if (line.goto && (!line.if || this.eval(n, t, line.if))) {
      n.pc[t] = line.goto === "end" ? th.lines.length : th.labels[line.goto];
    }
    n.steps = s.steps + 1;
    for (var u = 0; u < this.threads.length; u++) {
      n.waited[u] = this.blocked(n, u) ? n.waited[u] + 1 : 0;
    }
    return n;
  };

  Machine.prototype.won = function (s) { return !!this.eval(s, -1, this.win); };

  Machine.prototype.key = function (s) {
    return JSON.stringify([s.pc, s.locals, s.shared, this.usesSteps ? s.steps : 0,
      this.usesWaited ? s.waited : 0]);
  };

  // Breadth-first search of every state reachable from the start: the shortest winning
  // schedule if there is one. Stops after `limit` states (then complete is false).
  Machine.prototype.explore = function (limit) {
    limit = limit || 200000;
    var start = { s: this.initial(), prev: null, thread: null };
    var seen = {}, count = 1, queue = [start];
    seen[this.key(start.s)] = true;
    for (var q = 0; q < queue.length; q++) {
      var node = queue[q];
      if (this.won(node.s)) {
        var schedule = [];
        for (var n = node; n.prev; n = n.prev) schedule.unshift(n.thread);
        return { winnable: true, states: count, complete: true, schedule: schedule };
      }
      for (var t = 0; t < this.threads.length; t++) {
        if (this.blockedReason(node.s, t)) continue;
        var next = this.advance(node.s, t), k = this.key(next);
        if (seen[k]) continue;
        if (count >= limit) return { winnable: false, states: count, complete: false };
        seen[k] = true;
        count++;
        queue.push({ s: next, prev: node, thread: this.names[t] });
      }
    }
    return { winnable: false, states: count, complete: true };
  };

  // ---- The widget ------------------------------------------------------------------------

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Text with `code` spans, as in the puzzle files' goal and explain.
  function rich(tag, cls, text) {
    var e = el(tag, cls);
    text.split("`").forEach(function (part, i) {
      e.appendChild(i % 2 ? el("code", "", part) : document.createTextNode(part));
    });
    return e;
  }

  function show(vars) {
    return Object.keys(vars).map(function (k) { return k + " = " + vars[k]; }).join(", ");
  }

  function Widget(div) {
    var data = JSON.parse(div.querySelector("script[type='application/json']").textContent);
    this.id = data.id;
    this.div = div;
    this.m = new Machine(data);
    this.history = [];   // the states before each step, for Undo
    this.schedule = [];
    this.state = this.m.initial();
    this.message = "";
    this.build(data);
    this.render();
  }

  Widget.prototype.build = function (data) {
    var self = this, fallback = this.div.querySelector(".puzzle-fallback");
    if (fallback) fallback.remove();
    var ui = el("div", "puzzle-ui");
    var head = el("p", "puzzle-title");
    head.appendChild(el("strong", "", "Puzzle: " + data.title));
    head.appendChild(el("span", "puzzle-kind " + data.kind,
      data.kind === "safe" ? "try to break it" : "find the schedule"));
    ui.appendChild(head);
    ui.appendChild(rich("p", "puzzle-goal", data.goal));
    var grid = el("div", "puzzle-threads");
    this.columns = this.m.threads.map(function (th) {
      var col = el("section", "puzzle-thread");
      col.setAttribute("aria-label", "Thread " + th.name);
      var top = el("div", "puzzle-thread-head");
      top.appendChild(el("span", "puzzle-thread-name", "Thread " + th.name));
      var button = el("button", "puzzle-step", "Step " + th.name);
      button.type = "button";
      button.setAttribute("data-thread", th.name);
      button.addEventListener("click", function () { self.step(th.name); });
      top.appendChild(button);
      col.appendChild(top);
      var list = el("ol", "puzzle-code");
      var items = th.lines.map(function (l) {
        var li = el("li");
        li.appendChild(el("span", "puzzle-marker", "▶"));
        li.appendChild(el("code", "", l.code));
        list.appendChild(li);
        return li;
      });
      col.appendChild(list);
      var status = el("p", "puzzle-thread-status");
      var locals = el("p", "puzzle-locals");
      col.appendChild(status);
      col.appendChild(locals);
      grid.appendChild(col);
      return { button: button, items: items, status: status, locals: locals };
    });
    ui.appendChild(grid);
    this.sharedView = el("p", "puzzle-shared");
    ui.appendChild(this.sharedView);
    this.historyView = el("p", "puzzle-history");
    ui.appendChild(this.historyView);
    var controls = el("div", "puzzle-controls");
    function control(label, action) {
      var b = el("button", "puzzle-control", label);
      b.type = "button";
      b.addEventListener("click", action);
      controls.appendChild(b);
      return b;
    }
    this.undoButton = control("Undo", function () { self.undo(); });
    control("Reset", function () { self.reset(); });
    if (data.kind === "safe") control("Check every schedule", function () { self.check(); });
    ui.appendChild(controls);
    this.statusView = el("p", "puzzle-status");
    this.statusView.setAttribute("role", "status");
    this.statusView.setAttribute("aria-live", "polite");
    ui.appendChild(this.statusView);
    this.explain = data.explain;
    this.goal = data.goal;
    this.kind = data.kind;
    this.div.appendChild(ui);
  };

  Widget.prototype.render = function () {
    var m = this.m, s = this.state, focused = document.activeElement, lost = null;
    var won = m.won(s);
    this.columns.forEach(function (col, t) {
      var reason = m.blockedReason(s, t), off = reason || (won && "the puzzle is won");
      col.items.forEach(function (li, i) {
        var here = i === s.pc[t];
        li.classList.toggle("puzzle-next", here);
        if (here) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
      });
      if (off && col.button === focused) lost = col.button;
      col.button.disabled = !!off;
      col.button.title = reason ? m.names[t] + " " + reason : off || "";
      col.status.textContent = m.done(s, t) ? "finished"
        : reason ? "blocked" + (s.waited[t] > 1 ? " for " + s.waited[t] + " steps" : "") +
          ": " + reason
        : "next: line " + (s.pc[t] + 1);
      col.status.classList.toggle("puzzle-blocked", !!reason && !m.done(s, t));
      col.locals.textContent = Object.keys(s.locals[t]).length
        ? "locals: " + show(s.locals[t]) : "";
    });
    this.sharedView.textContent = "Shared: " + (show(s.shared) || "nothing");
    this.historyView.textContent = "Schedule so far: " +
      (this.schedule.length ? this.schedule.join(" ") + " (" + this.schedule.length +
        (this.schedule.length === 1 ? " step)" : " steps)") : "none yet");
    this.undoButton.disabled = !this.history.length;
    this.statusView.textContent = "";
    this.statusView.appendChild(rich("span", "", this.message));
    this.div.classList.toggle("puzzle-won", won);
    // A button that became disabled drops the keyboard focus: hand it on.
    if (lost) {
      var next = this.columns.map(function (c) { return c.button; })
        .filter(function (b) { return !b.disabled; })[0];
      (next || (this.undoButton.disabled ? null : this.undoButton) || this.div).focus();
    }
  };

  // The outcome after a step, in words.
  Widget.prototype.describe = function (ran) {
    var m = this.m, s = this.state;
    if (m.won(s)) {
      return (this.kind === "safe" ? "The bad state was reached: " : "You won: ") +
        "schedule " + this.schedule.join(" ") + "." + (this.explain ? " " + this.explain : "");
    }
    var all = m.names.every(function (n, t) { return m.done(s, t); });
    if (all) return ran + " Every thread has finished, and this is not the state the goal asks for. Undo, or Reset and try another schedule.";
    if (m.deadlock(s)) return ran + " Deadlock: every thread that has not finished is waiting.";
    return ran;
  };

  Widget.prototype.step = function (thread) {
    var t = this.m.names.indexOf(thread);
    if (t < 0) return { ok: false, error: "no thread is called " + thread };
    if (this.m.won(this.state)) return { ok: false, error: "the puzzle is already won: Undo or Reset" };
    var line = this.m.threads[t].lines[this.state.pc[t]];
    try {
      var next = this.m.advance(this.state, t);
      this.history.push(this.state);
      this.schedule.push(thread);
      this.state = next;
      this.message = this.describe(thread + " ran " + line.code.trim() + ".");
      this.render();
      return { ok: true };
    } catch (e) {
      this.message = e.message;
      this.render();
      return { ok: false, error: e.message };
    }
  };

  Widget.prototype.undo = function () {
    if (!this.history.length) return;
    this.state = this.history.pop();
    this.schedule.pop();
    this.message = "Undone: back to step " + this.schedule.length + ".";
    this.render();
  };

  Widget.prototype.reset = function () {
    this.state = this.m.initial();
    this.history = [];
    this.schedule = [];
    this.message = "";
    this.render();
  };

  Widget.prototype.check = function () {
    var r = this.m.explore();
    this.message = r.winnable
      ? "A schedule reaches the bad state: " + r.schedule.join(" ") + "."
      : r.complete
        ? "Checked every schedule: " + r.states + " different states are reachable, and the bad state is none of them."
        : "Stopped after " + r.states + " states without finding the bad state.";
    this.render();
    return r;
  };

  Widget.prototype.snapshot = function () {
    var m = this.m, s = this.state, locals = {};
    m.names.forEach(function (n, t) { locals[n] = Object.assign({}, s.locals[t]); });
    return { shared: Object.assign({}, s.shared), locals: locals, steps: s.steps };
  };

  // ---- Start-up and the test API ---------------------------------------------------------
  var widgets = [];
  function find(id) {
    var w = widgets.filter(function (x) { return x.id === id; })[0];
    if (!w) throw new Error("no puzzle " + id + " on this page");
    return w;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("div.puzzle[data-puzzle]"), function (div) {
      try { widgets.push(new Widget(div)); }
      catch (e) { console.error("puzzle " + div.getAttribute("data-puzzle") + ": " + e.message); }
    });
  }

  window.coursePuzzles = {
    // (The print page holds every chapter, so an id can occur twice: the first one counts.)
    ids: function () {
      return widgets.map(function (w) { return w.id; })
        .filter(function (id, i, all) { return all.indexOf(id) === i; });
    },
    reset: function (id) { find(id).reset(); },
    step: function (id, thread) { return find(id).step(thread); },
    play: function (id, schedule) {
      var w = find(id), error;
      w.reset();
      for (var i = 0; i < schedule.length && !error; i++) {
        var r = w.step(schedule[i]);
        if (!r.ok) error = "step " + (i + 1) + " (" + schedule[i] + "): " + r.error;
      }
      var m = w.m, s = w.state, out = {
        won: m.won(s),
        finished: m.names.every(function (n, t) { return m.done(s, t); }),
        blocked: m.names.filter(function (n, t) { return m.blocked(s, t); }),
        state: w.snapshot(),
        message: w.message
      };
      if (error) out.error = error;
      return out;
    },
    explore: function (id, limit) { return find(id).m.explore(limit); }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
