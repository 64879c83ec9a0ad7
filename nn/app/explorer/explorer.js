// The chain-rule explorer's behaviour: chaingrad writes this file into every page.
//
// Everything it shows comes from the JSON in #explorer-data, written by Python from the
// engine's own numbers: nothing is computed here but which of those numbers to show.
// Drawn nodes carry data-key (their DOT name) and data-node (their label), drawn edges
// data-edge (their number), data-from and data-to; a weight's edge also data-weight.
// Test hooks: #paths holds one [data-path] row per path, #sum the sum, and <body> the
// data attributes step, steps and ready.
"use strict";

(() => {
  const data = JSON.parse(document.getElementById("explorer-data").textContent);
  const body = document.body;
  const drawing = document.getElementById("drawing");
  const root = data.nodes.length - 1;
  const last = data.steps.length;
  const byId = (id) => document.getElementById(id);
  // target: the node index whose paths are shown; zoom: null fits (within limits), 0 fits
  // whatever the size, a number scales the natural size.
  const state = { view: null, step: last, target: null, timer: null, zoom: null };
  const PX_PER_PT = 4 / 3;
  const SMALLEST = 0.6; // the smallest scale a view opens at (of its natural size)
  const LARGEST = 1.25; // the largest scale "fit" blows a small view up to
  let originals = new Map(); // a grad row's text as drawn, restored when backward is done

  // ------------------------------------------------------------------ gradients by step
  function gradsAt(k) {
    const text = data.nodes.map(() => null);
    const exact = data.nodes.map(() => null);
    const arrived = data.nodes.map(() => 0);
    const fresh = new Set();
    [text[root], exact[root]] = data.seed;
    for (let s = 0; s < k; s += 1) {
      const step = data.steps[s];
      step.edges.forEach(([parent]) => { arrived[parent] += 1; });
      step.after.forEach(([i, shown, value]) => {
        text[i] = shown;
        exact[i] = value;
        if (s === k - 1) fresh.add(i);
      });
    }
    return { text, exact, arrived, fresh };
  }

  // "2 of 3": how many of a node's consumers have handed it their part ("2/3" in the
  // drawing, where space is short); nothing for a node with one consumer.
  function contributions(i, arrived, short = false) {
    const all = data.consumers[i];
    if (all < 2) return "";
    return short ? `${arrived[i]}/${all}` : `${arrived[i]} of ${all}`;
  }

  // ------------------------------------------------------------------ small DOM helpers
  function element(tag, attributes = {}, html = null) {
    const made = document.createElement(tag);
    Object.entries(attributes).forEach(([name, value]) => made.setAttribute(name, value));
    if (html !== null) made.innerHTML = html;
    return made;
  }

  function drawn(selector) {
    return Array.from(drawing.querySelectorAll(selector));
  }

  function shapesOf(keys) {
    return keys.flatMap((key) => drawn(`[data-key="${CSS.escape(key)}"]`));
  }

  function edgesOf(numbers) {
    return numbers.flatMap((n) => drawn(`[data-edge="${n}"]`));
  }

  function mark(elements, name) {
    elements.forEach((el) => el.classList.add(name));
  }

  function unmark(name) {
    drawn(`.${name}`).forEach((el) => el.classList.remove(name));
  }

  function name(i) {
    return data.nodes[i].name;
  }

  // ------------------------------------------------------------------ views
  function showView(view) {
    const template = byId(`view-${view}`);
    drawing.replaceChildren(template.content.cloneNode(true));
    state.view = view;
    body.dataset.view = view;
    originals = new Map(drawn("[data-grad], [data-grad-more]").map((el) => [el, el.textContent]));
    document.querySelectorAll(".tabs [role=tab]").forEach((tab) => {
      tab.setAttribute("aria-selected", String(tab.dataset.view === view));
      tab.tabIndex = tab.dataset.view === view ? 0 : -1;
    });
    applyZoom();
    const keep = state.target;
    clearSelection();
    if (keep !== null) {
      const found = Object.entries(data.views[view].selections)
        .find(([, s]) => data.tables[s.table].target === keep);
      if (found) select(found[0]);
    }
    setStep(state.step);
  }

  // ------------------------------------------------------------------ selection
  function clearSelection() {
    state.target = null;
    body.classList.remove("has-selection");
    unmark("on-path");
    unmark("selected");
    byId("paths").replaceChildren();
    byId("paths-head").textContent = "Click a node to see every path from the loss to it.";
    const sum = byId("sum");
    sum.textContent = "";
    delete sum.dataset.exact;
    byId("grad").replaceChildren();
  }

  function select(key) {
    const selection = data.views[state.view].selections[key];
    if (!selection) return;
    clearSelection();
    const table = data.tables[selection.table];
    state.target = table.target;
    body.classList.add("has-selection");
    mark(shapesOf(selection.shapes), "on-path");
    mark(edgesOf(selection.edges), "on-path");
    const own = key.startsWith("edge") ? edgesOf([Number(key.slice(4))]) : shapesOf([key]);
    mark(own, "selected");
    showTable(table);
  }

  function showTable(table) {
    const head = `∂${data.root}/∂${name(table.target)}`;
    const n = table.rows.length;
    byId("paths-head").innerHTML = table.note
      ? `${head}: ${table.note}`
      : `${head}: ${n} path${n === 1 ? "" : "s"} from ${data.root} to ${name(table.target)}`;
    const rows = table.rows.map((row, i) => {
      const tr = element("tr", { "data-path": String(i) });
      if (row.exactProduct !== null) tr.dataset.product = String(row.exactProduct);
      const route = row.route.map(name).join(" → ");
      const factors = row.factors.map((shown, j) => {
        const exact = row.exactFactors[j];
        if (exact === null) { // a tensor edge: its rules, named by the derivative they give
          const symbol = `∂${name(row.route[j])}/∂${name(row.route[j + 1])}`;
          return `<span class="rule">${symbol}: ${shown}</span>`;
        }
        return `<span class="factor" data-factor="${exact}">${shown}</span>`;
      });
      tr.append(
        element("td", {}, String(i + 1)),
        element("td", { class: "route" }, route),
        element("td", { class: "factors" }, factors.join(data.tensor ? "<br>" : " · ") || "1"),
        element("td", { class: "product" }, row.product ?? "(rules)"),
      );
      return tr;
    });
    byId("paths").replaceChildren(...rows);
    const sum = byId("sum");
    sum.textContent = table.total;
    if (table.exactTotal !== null) sum.dataset.exact = JSON.stringify(table.exactTotal);
    const grad = byId("grad");
    grad.innerHTML = `${name(table.target)}.grad from backward(): <output>${table.grad}</output>`;
    grad.querySelector("output").dataset.exact = JSON.stringify(table.exactGrad);
  }

  // ------------------------------------------------------------------ stepping
  function setStep(k) {
    state.step = Math.max(0, Math.min(last, k));
    body.dataset.step = String(state.step);
    const grads = gradsAt(state.step);
    showGradRows(grads);
    unmark("active");
    unmark("active-edge");
    if (state.step > 0) {
      const [shapes, edges] = data.views[state.view].steps[state.step - 1];
      mark(shapesOf(shapes), "active");
      mark(edgesOf(edges), "active-edge");
    }
    showStep(grads);
    showGradsTable(grads);
    byId("prev").disabled = state.step === 0;
    byId("first").disabled = state.step === 0;
    byId("next").disabled = state.step === last;
    byId("last").disabled = state.step === last;
    if (state.step === last) stopPlaying();
  }

  function showGradRows(grads) {
    const done = state.step === last;
    const rows = data.views[state.view].grads;
    drawn("[data-grad-more]").forEach((el) => {
      el.textContent = done ? originals.get(el) : "";
    });
    drawn("[data-grad]").forEach((el) => {
      const i = rows[el.closest("[data-key]").dataset.key];
      el.dataset.gradValue = JSON.stringify(grads.exact[i]);
      el.classList.toggle("fresh", grads.fresh.has(i));
      if (done) {
        el.textContent = originals.get(el);
        return;
      }
      const label = originals.get(el).split(" ")[0];
      const count = contributions(i, grads.arrived, true);
      el.textContent = `${label} ${grads.text[i] ?? "—"}${count ? ` (${count})` : ""}`;
    });
  }

  function showStep(grads) {
    const status = byId("step-status");
    const detail = byId("step-detail");
    if (state.step === 0) {
      status.innerHTML = `Step 0 of ${last}: ${data.root} is seeded with grad ${data.seed[0]};`
        + " nothing has been propagated yet.";
      detail.replaceChildren();
      return;
    }
    const step = data.steps[state.step - 1];
    const done = state.step === last ? " backward() is done: every gradient is filled." : "";
    status.innerHTML = `Step ${state.step} of ${last}: backward through ${name(step.node)},`
      + ` whose grad is ${step.grad}.${done}`;
    const after = new Map(step.after.map(([i, shown]) => [i, shown]));
    const items = step.edges.map(([parent, factor, added]) => {
      const count = contributions(parent, grads.arrived);
      const into = `${name(parent)}.grad`;
      const adds = added === null
        ? `${into} += the rule ${factor} applied to ${step.grad}`
        : `${into} += ${factor} × ${step.grad} = ${added}`;
      const now = `now ${after.get(parent)}${count ? ` (${count} contributions)` : ""}`;
      return element("li", {}, `${adds}; ${now}`);
    });
    const list = element("ul", { class: "edges" });
    list.append(...items);
    detail.replaceChildren(...(items.length ? [list] : []));
  }

  function showGradsTable(grads) {
    const targets = new Set(
      Object.values(data.views[state.view].selections).map((s) => data.tables[s.table].target),
    );
    const order = data.nodes.map((_, i) => i).filter((i) => targets.has(i)).reverse();
    const rows = order.map((i) => {
      const tr = element("tr", { "data-grad-of": String(i) });
      if (grads.fresh.has(i)) tr.classList.add("fresh");
      tr.append(
        element("td", {}, name(i)),
        element("td", {}, grads.text[i] ?? "—"),
        element("td", {}, contributions(i, grads.arrived)),
      );
      return tr;
    });
    byId("grads").replaceChildren(...rows);
  }

  function stopPlaying() {
    if (state.timer !== null) clearInterval(state.timer);
    state.timer = null;
    const play = byId("play");
    play.textContent = "▶ play";
    play.setAttribute("aria-pressed", "false");
  }

  function togglePlay() {
    if (state.timer !== null) {
      stopPlaying();
      return;
    }
    if (state.step === last) setStep(0);
    const play = byId("play");
    play.textContent = "⏸ pause";
    play.setAttribute("aria-pressed", "true");
    state.timer = setInterval(() => setStep(state.step + 1), 900);
  }

  // ------------------------------------------------------------------ zoom
  function applyZoom() {
    const svg = drawing.querySelector("svg");
    if (!svg) return;
    const natural = svg.viewBox.baseVal.width * PX_PER_PT; // Graphviz sizes in points
    // The view opens fitted to the width, but never below SMALLEST of its own size: a
    // wide graph scrolls rather than shrink to unreadable text. "fit" fits it anyway.
    const fitted = drawing.clientWidth / natural;
    if (state.zoom === 0 || (state.zoom === null && fitted >= SMALLEST)) {
      svg.style.width = "100%";
      svg.style.maxWidth = `${Math.round(natural * LARGEST)}px`;
    } else {
      svg.style.width = `${Math.round(natural * (state.zoom ?? SMALLEST))}px`;
      svg.style.maxWidth = "none";
    }
  }

  function zoom(factor) {
    const svg = drawing.querySelector("svg");
    const shown = svg.getBoundingClientRect().width / (svg.viewBox.baseVal.width * PX_PER_PT);
    state.zoom = factor === 0 ? 0 : Math.min(3, Math.max(0.2, shown * factor));
    applyZoom();
  }

  // ------------------------------------------------------------------ events
  function selectable(target) {
    return target instanceof Element ? target.closest(".selectable") : null;
  }

  function selectElement(el) {
    select(el.dataset.weight !== undefined ? `edge${el.dataset.edge}` : el.dataset.key);
  }

  drawing.addEventListener("click", (event) => {
    const el = selectable(event.target);
    if (el) selectElement(el);
    else clearSelection();
  });

  document.addEventListener("keydown", (event) => {
    const el = selectable(event.target);
    if (el && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      selectElement(el);
      return;
    }
    if (event.target instanceof HTMLButtonElement && event.key === " ") return;
    const moves = { ArrowRight: 1, ArrowLeft: -1 };
    if (event.key in moves) {
      event.preventDefault();
      stopPlaying();
      setStep(state.step + moves[event.key]);
    } else if (event.key === "Home") {
      stopPlaying();
      setStep(0);
    } else if (event.key === "End") {
      setStep(last);
    } else if (event.key === "Escape") {
      clearSelection();
    }
  });

  byId("first").addEventListener("click", () => { stopPlaying(); setStep(0); });
  byId("prev").addEventListener("click", () => { stopPlaying(); setStep(state.step - 1); });
  byId("next").addEventListener("click", () => { stopPlaying(); setStep(state.step + 1); });
  byId("last").addEventListener("click", () => setStep(last));
  byId("play").addEventListener("click", togglePlay);
  byId("zoom-in").addEventListener("click", () => zoom(1.25));
  byId("zoom-out").addEventListener("click", () => zoom(0.8));
  byId("zoom-fit").addEventListener("click", () => zoom(0));
  document.querySelectorAll(".tabs [role=tab]:not([disabled])").forEach((tab) => {
    tab.addEventListener("click", () => showView(tab.dataset.view));
  });

  body.classList.toggle("tensor", data.tensor);
  showView(data.first);
  body.dataset.ready = "1";
})();
