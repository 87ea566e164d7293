"""The navigator's rules: which node a `?node=` names, the tree each role sees, its colours."""

from __future__ import annotations

import pytest
from flask import Flask
from ocpp.v16.enums import ChargePointStatus

from portal.errors import NotFound
from portal.extensions import db
from portal.models import Floor, Role
from portal.models.base import utcnow
from portal.services import lights, navigator, scope, users
from portal.services.lights import Light, light_of
from tests.factories import World
from tests.scene import company_scope, station

# --- Colours: pure rules ---------------------------------------------------------------------


@pytest.mark.parametrize(("online", "status", "alarmed", "light"), [
    (False, ChargePointStatus.charging, True, Light.OFFLINE),  # offline wins over everything
    (True, ChargePointStatus.faulted, False, Light.ERROR),
    (True, ChargePointStatus.available, True, Light.ERROR),  # a hardware alarm
    (True, ChargePointStatus.charging, False, Light.CHARGING),
    (True, ChargePointStatus.suspended_ev, False, Light.CHARGING),
    (True, ChargePointStatus.preparing, False, Light.AVAILABLE),
    (True, None, False, Light.AVAILABLE),  # online, no status reported yet
])
def test_light_of_a_station_or_outlet(online, status, alarmed, light) -> None:
    assert light_of(online, status, alarmed) is light


@pytest.mark.parametrize(("parts", "light"), [
    ([Light.AVAILABLE, Light.CHARGING, Light.ERROR, Light.OFFLINE], Light.ERROR),
    ([Light.AVAILABLE, Light.CHARGING, Light.OFFLINE], Light.CHARGING),
    ([Light.OFFLINE, Light.AVAILABLE], Light.AVAILABLE),
    ([Light.OFFLINE, Light.OFFLINE], Light.OFFLINE),
    ([], Light.OFFLINE),  # a site with nothing on it
])
def test_a_group_shows_its_strongest_part(parts, light) -> None:
    assert Light.of_group(parts) is light


# --- Nodes and the tree, on a company -------------------------------------------------------

def _user(role: Role, world: World):
    return users.find_by_email(world.a.email(role))


def test_parse_finds_visible_nodes_and_refuses_others(app: Flask, world: World) -> None:
    with company_scope(app, world.b):
        foreign_site = station(world.b.station_site1).site_id
    with company_scope(app, world.a):
        admin, site_admin = _user(Role.ADMIN, world), _user(Role.SITE_ADMIN, world)
        site1, site2 = station(world.a.station_site1), station(world.a.station_site2)
        assert scope.parse(admin, None) is scope.SYSTEM
        assert scope.parse(admin, f"site:{site2.site_id}").name == "Site two"
        outlet = scope.parse(site_admin, f"outlet:{site1.outlets[1].id}")
        assert (outlet.kind, outlet.station_id) == (scope.NodeKind.OUTLET, site1.id)
        for actor, raw in ((admin, "garbage"), (admin, "site:"), (admin, "site:abc"),
                           (admin, "station:99999999999"), (admin, f"site:{foreign_site}"),
                           (site_admin, f"site:{site2.site_id}"),
                           (site_admin, f"station:{site2.id}")):
            with pytest.raises(NotFound):
                scope.parse(actor, raw)


def test_site_admin_tree_holds_only_its_site(app: Flask, world: World) -> None:
    with company_scope(app, world.a) as tenant:
        site1 = station(world.a.station_site1)
        db.session.add(Floor(tenant_id=tenant.id, site_id=site1.site_id, name="Level 1"))
        db.session.flush()
        floor = db.session.query(Floor).one()
        site1.floor_id = floor.id
        db.session.flush()
        root = navigator.tree(_user(Role.SITE_ADMIN, world), "Company A")
        assert [child.name for child in root.children] == ["Site one"]
        keys = {node.key for node in root.walk()}
        assert f"station:{station(world.a.station_site2).id}" not in keys
        path = [node.name for node in root.path_to(f"outlet:{site1.outlets[0].id}")]
        assert path == ["Company A", "Site one", "Level 1", world.a.station_site1, "Outlet 1"]
        admin_root = navigator.tree(_user(Role.ADMIN, world), "Company A")
        assert [child.name for child in admin_root.children] == ["Site one", "Site two"]


def test_tree_colours_roll_up_to_sites_and_the_system(app: Flask, world: World) -> None:
    with company_scope(app, world.a):
        site1 = station(world.a.station_site1)
        site1.connected_at = utcnow()
        site1.outlets[0].status = ChargePointStatus.charging
        db.session.flush()
        admin = _user(Role.ADMIN, world)
        root = navigator.tree(admin, "Company A")
        colours = lights.of_tree(root, lights.of_node(admin, scope.SYSTEM))
        site2 = station(world.a.station_site2)
        assert colours[f"outlet:{site1.outlets[0].id}"] is Light.CHARGING
        assert colours[f"outlet:{site1.outlets[1].id}"] is Light.AVAILABLE
        assert colours[f"station:{site1.id}"] is Light.CHARGING
        assert colours[f"site:{site1.site_id}"] is Light.CHARGING
        assert colours[f"site:{site2.site_id}"] is Light.OFFLINE
        assert colours["system"] is Light.CHARGING


def test_a_site_administrator_without_a_site_sees_nothing(app: Flask, world: World) -> None:
    """Not the stations of no site, which `site_id = NULL` would name, nor every site."""
    with company_scope(app, world.a):
        site_admin = _user(Role.SITE_ADMIN, world)
        own_site = station(world.a.station_site1).site_id
        unassigned = station(world.a.station_site1)
        unassigned.site_id = None
        site_admin.site_id = None
        db.session.flush()
        tree = navigator.tree(site_admin, "Company A")
        assert [node.key for node in tree.walk()] == ["system"]
        assert lights.of_node(site_admin, scope.SYSTEM).stations == {}
        with pytest.raises(NotFound):
            scope.parse(site_admin, f"site:{own_site}")
        db.session.rollback()
