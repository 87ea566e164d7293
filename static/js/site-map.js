// The site map (Leaflet): a click or a dragged marker fills in the latitude and longitude
// inputs, and typing in them moves the marker. Without tiles (or without this script) the
// inputs work alone. Stations on no floor show as dots where their coordinates put them.
const element = document.getElementById("site-map");
if (element && window.L) {
  const latitude = document.querySelector(element.dataset.latitudeInput);
  const longitude = document.querySelector(element.dataset.longitudeInput);
  const typed = () => [parseFloat(latitude.value), parseFloat(longitude.value)];
  const placed = typed().every(Number.isFinite);
  const map = L.map(element).setView(placed ? typed() : [20, 0], placed ? 16 : 2);
  L.tileLayer(element.dataset.tileUrl, {
    maxZoom: 19, attribution: "© OpenStreetMap contributors",
  }).addTo(map);
  let marker = null;

  const show = (latlng) => {
    if (marker) {
      marker.setLatLng(latlng);
      return;
    }
    marker = L.marker(latlng, { draggable: true, title: "The site" }).addTo(map);
    marker.on("dragend", () => fill(marker.getLatLng()));
  };
  const fill = (latlng) => {
    const wrapped = latlng.wrap();
    latitude.value = wrapped.lat.toFixed(6);
    longitude.value = wrapped.lng.toFixed(6);
    show(wrapped);
  };

  if (placed) show(typed());
  map.on("click", (event) => fill(event.latlng));
  [latitude, longitude].forEach((input) => input.addEventListener("change", () => {
    const [lat, lng] = typed();
    if (Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
      show([lat, lng]);
      map.panTo([lat, lng]);
    }
  }));
  document.querySelectorAll("[data-station-latitude]").forEach((item) => {
    const at = [parseFloat(item.dataset.stationLatitude), parseFloat(item.dataset.stationLongitude)];
    L.circleMarker(at, { radius: 7 }).bindTooltip(item.dataset.stationName).addTo(map);
  });
}
