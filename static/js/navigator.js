// The navigator panel (templates/_macros/navigator.html): folding the panel away, searching
// the tree, and recolouring it live. The server draws the tree and its first colours; this
// script only hides nodes and swaps their light-* class.
//
// Live colours are polled, not pushed: every 3 s the page asks GET /live/lights for the
// whole tree with the ETag it has, and an unchanged company costs a 304 and no query.
// Polling passes every proxy untouched, holds nothing on the server per open page, and
// cannot miss a change (portal/services/live.py says why it was chosen over SSE).
(function () {
  "use strict";

  const POLL_MS = 3000;
  const COLLAPSED_KEY = "plugboard.navigator.collapsed";
  const tree = document.getElementById("navigator-tree");
  if (!tree) {
    return;
  }
  const LIGHTS = tree.dataset.precedence.split(" ");  // strongest first: Light.of_group
  const nodes = new Map();
  tree.querySelectorAll("li[data-node]").forEach(function (li) {
    nodes.set(li.dataset.node, li);
  });

  // --- Folding the panel away, remembered in this browser -------------------------------
  const toggle = document.getElementById("navigator-toggle");
  function setCollapsed(collapsed) {
    document.body.classList.toggle("navigator-collapsed", collapsed);
    toggle.setAttribute("aria-expanded", String(!collapsed));
  }
  setCollapsed(localStorage.getItem(COLLAPSED_KEY) === "1");
  toggle.addEventListener("click", function () {
    const collapsed = !document.body.classList.contains("navigator-collapsed");
    localStorage.setItem(COLLAPSED_KEY, collapsed ? "1" : "0");
    setCollapsed(collapsed);
  });

  // --- Search: matching nodes with their ancestors (and a match's subtree) --------------
  const search = document.getElementById("navigator-search");
  const nothing = document.getElementById("navigator-nothing");
  search.addEventListener("input", function () {
    const words = search.value.trim().toLowerCase();
    let shown = 0;
    nodes.forEach(function (li) {
      li.classList.toggle("filtered-out", words !== "");
    });
    if (words === "") {
      nothing.classList.add("d-none");
      return;
    }
    nodes.forEach(function (li) {
      if (!li.dataset.search || !li.dataset.search.includes(words)) {
        return;
      }
      shown += 1;
      li.querySelectorAll("li[data-node]").forEach(function (child) {
        child.classList.remove("filtered-out");
      });
      for (let up = li; up && up !== tree; up = up.parentElement) {
        if (up.dataset && up.dataset.node) {
          up.classList.remove("filtered-out");
          if (up !== li) {
            const details = up.querySelector(":scope > details");
            if (details) {
              details.open = true;
            }
          }
        }
      }
    });
    nothing.classList.toggle("d-none", shown > 0);
  });

  // --- Live colours ----------------------------------------------------------------------
  function setLight(li, light) {
    LIGHTS.forEach(function (each) {
      li.classList.toggle("light-" + each, each === light);
    });
  }

  function lightOf(li) {
    return LIGHTS.find(function (each) {
      return li.classList.contains("light-" + each);
    });
  }

  // Sites, floors and the system show the strongest light of their stations, deepest first
  // so that a site reads its floors' new colours.
  function recolourGroups() {
    const groups = Array.from(tree.querySelectorAll(
      'li[data-kind="floor"], li[data-kind="site"], li[data-kind="system"]')).reverse();
    groups.forEach(function (group) {
      const children = group.querySelectorAll(":scope > details > ul > li[data-node]");
      const seen = new Set(Array.from(children, lightOf));
      setLight(group, LIGHTS.find(function (each) { return seen.has(each); }) ||
        LIGHTS[LIGHTS.length - 1]);
    });
  }

  function apply(found) {
    ["stations", "outlets"].forEach(function (kind) {
      const prefix = kind === "stations" ? "station:" : "outlet:";
      Object.entries(found[kind]).forEach(function ([id, light]) {
        const li = nodes.get(prefix + id);
        if (li) {
          setLight(li, light);
        }
      });
    });
    recolourGroups();
  }

  let etag = null;
  // The whole tree, whichever node scopes the page: a change anywhere in it shows.
  const url = tree.dataset.lightsUrl;
  function poll() {
    const headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status !== 200) {
          return null;  // 304: nothing changed; anything else: try again at the next tick
        }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (found) {
        if (found) {
          apply(found);
        }
      })
      .catch(function () { /* offline for a moment: the next tick asks again */ })
      .finally(function () {
        setTimeout(poll, POLL_MS);
      });
  }
  setTimeout(poll, POLL_MS);
}());
