// The floor page: station icons on the floor map, coloured live, placed by dragging.
//
// Colours: GET /live/lights?node=floor:<id> every 3 s with If-None-Match, so an unchanged
// company costs a 304 (portal.blueprints.live). Places: icons carry data-x / data-y,
// fractions of the map's width and height; a drop saves one station's place (JSON POST
// with the page's CSRF token) and the icon stays where it was dropped.
const page = document.getElementById("floor-page");
const LIGHTS = ["available", "charging", "error", "offline"];
const POLL_MS = 3000;

if (page) {
  const map = document.getElementById("floor-map");
  const status = document.getElementById("floor-map-status");
  const icons = () => page.querySelectorAll(".station-icon[data-station-id]");

  const put = (icon) => {
    icon.style.left = `${icon.dataset.x * 100}%`;
    icon.style.top = `${icon.dataset.y * 100}%`;
  };
  map?.querySelectorAll(".station-icon").forEach(put);

  let etag = null;
  const recolour = async () => {
    try {
      const response = await fetch(page.dataset.lightsUrl, {
        headers: etag ? { "If-None-Match": etag } : {}, cache: "no-store",
      });
      if (response.status !== 200) return; // 304: nothing changed
      etag = response.headers.get("ETag");
      const lights = (await response.json()).stations;
      icons().forEach((icon) => {
        const light = lights[icon.dataset.stationId] || "offline";
        LIGHTS.forEach((name) => icon.classList.toggle(`light-${name}`, name === light));
        icon.dataset.light = light;
      });
    } catch {
      // offline for a moment: the next poll catches up
    }
  };
  recolour();
  setInterval(recolour, POLL_MS);

  const save = async (icon, x, y) => {
    const response = await fetch(page.dataset.positionsUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": page.dataset.csrfToken },
      body: JSON.stringify({ station_id: Number(icon.dataset.stationId), x, y }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.message);
    return answer;
  };

  const drop = async (icon, event) => {
    const box = map.getBoundingClientRect();
    const x = (event.clientX - box.left) / box.width;
    const y = (event.clientY - box.top) / box.height;
    icon.style.left = icon.style.top = "";
    if (map.contains(icon)) put(icon);
    if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) return; // dropped beside the map
    try {
      const placed = await save(icon, x, y);
      icon.dataset.x = placed.x;
      icon.dataset.y = placed.y;
      const listed = icon.closest("li");
      map.appendChild(icon);
      listed?.remove();
      put(icon);
      status.textContent = `${icon.textContent} is placed.`;
    } catch (error) {
      status.textContent = `Not placed: ${error.message}`;
    }
  };

  const drag = (event) => {
    const icon = event.currentTarget;
    event.preventDefault();
    icon.setPointerCapture(event.pointerId);
    icon.classList.add("dragging");
    const follow = (moved) => {
      icon.style.left = `${moved.clientX}px`;
      icon.style.top = `${moved.clientY}px`;
    };
    follow(event);
    icon.addEventListener("pointermove", follow);
    icon.addEventListener("pointerup", (released) => {
      icon.removeEventListener("pointermove", follow);
      icon.classList.remove("dragging");
      drop(icon, released);
    }, { once: true });
  };

  if (map && page.dataset.csrfToken) {
    icons().forEach((icon) => icon.addEventListener("pointerdown", drag));
  }
}
