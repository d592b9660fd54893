"""Write ``provinces.geojson``: approximate outlines of Burundi's 5 provinces (Law of 16 March 2023).

The outlines are for orientation on the map only, **not** administrative boundaries:

1. ``BORDER`` is Burundi's national border as about 45 (lon, lat) vertices written by hand from general
   public geography (the Rusizi and Lake Tanganyika shore in the west, the Ruhwa and Akanyaru rivers and
   Lakes Cohoha and Rweru on the Rwanda border in the north, the Kagera and the Malagarasi on the
   Tanzania border in the east and south). Each vertex is an approximation (a few km).
2. Seed points with a province: every site (``sites.csv``) and store (``stores.csv``), plus the road
   nodes of ``road_nodes.csv`` named in ``NODE_PROVINCES`` (former provincial capitals and other towns,
   put in the new province that their former province became).
3. Each province is the union of the Voronoi cells of its seeds, clipped to the border, so every seed
   lies inside its own province. Coordinates are rounded to 4 decimals (about 10 m).

Rebuild with ``python data/burundi/make_provinces.py`` (from the repository root or anywhere).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

HERE = Path(__file__).resolve().parent
OUT = HERE / "provinces.geojson"
#: Coordinates are rounded to this grid (degrees): 4 decimals.
GRID = 1e-4

#: Burundi's border, (lon, lat), clockwise from the Rusizi-Ruhwa confluence (the DRC-Rwanda-Burundi
#: tripoint). Hand-written approximations from general public geography, not surveyed.
BORDER: list[tuple[float, float]] = [
    # North: the Ruhwa river (Rwanda), then the Kibira/Nyungwe crest to the Akanyaru (Kanyaru).
    (29.000, -2.660),
    (29.150, -2.620),
    (29.300, -2.630),
    (29.450, -2.690),
    (29.600, -2.720),
    (29.720, -2.740),  # Kanyaru Haut crossing
    (29.850, -2.670),  # the Akanyaru flows north-east
    (29.920, -2.550),
    (29.970, -2.400),
    (30.000, -2.310),  # northernmost point
    (30.080, -2.330),  # Lake Cohoha (Cyohoha South)
    (30.120, -2.350),  # Gasenyi-Nemba crossing
    (30.250, -2.330),  # Lake Rweru
    (30.400, -2.360),
    (30.480, -2.410),  # Burundi-Rwanda-Tanzania tripoint on the Kagera, upstream of Rusumo
    # East: the Tanzania border, south to the Malagarasi.
    (30.530, -2.550),
    (30.560, -2.700),
    (30.600, -2.830),  # east of Kobero
    (30.700, -2.930),
    (30.800, -2.990),
    (30.850, -3.100),  # easternmost point, opposite Murusagamba
    (30.780, -3.250),
    (30.730, -3.400),
    (30.720, -3.550),  # east of Cijongo (Gisuru)
    # South-east: the Malagarasi towards the south-west.
    (30.600, -3.650),
    (30.450, -3.800),
    (30.300, -3.950),
    (30.150, -4.100),
    (29.980, -4.250),
    (29.850, -4.430),  # south of Mugina
    (29.750, -4.470),  # southernmost point
    (29.630, -4.460),  # the border reaches Lake Tanganyika
    # West: the Lake Tanganyika shore north to Bujumbura.
    (29.570, -4.380),  # Nyanza-Lac
    (29.555, -4.300),
    (29.500, -4.150),
    (29.420, -3.990),  # Rumonge
    (29.360, -3.850),
    (29.300, -3.720),  # Magara
    (29.310, -3.600),  # Gitaza
    (29.330, -3.450),
    (29.340, -3.395),  # Bujumbura port
    (29.280, -3.365),
    (29.215, -3.355),  # mouth of the Rusizi
    # North-west: up the Rusizi (DRC).
    (29.205, -3.300),
    (29.185, -3.150),
    (29.135, -3.000),
    (29.070, -2.880),
    (29.015, -2.780),
]

#: Road nodes (``road_nodes.csv`` names) that are not sites, with the province of the Law 2023 that
#: their former province became (authors' knowledge of which former province each town lies in).
NODE_PROVINCES: dict[str, str] = {
    # Bujumbura: former Bujumbura Mairie, Bujumbura Rural, Bubanza, Cibitoke.
    "bujumbura": "Bujumbura",
    "bubanza": "Bujumbura",
    "cibitoke": "Bujumbura",
    "gatumba": "Bujumbura",
    "gihanga": "Bujumbura",
    "buganda": "Bujumbura",
    "rugombo": "Bujumbura",
    "mabayi": "Bujumbura",
    "kabezi": "Bujumbura",
    "ijenda": "Bujumbura",
    # Gitega: former Gitega, Karusi, Muramvya, Mwaro.
    "gitega": "Gitega",
    "karusi": "Gitega",
    "muramvya": "Gitega",
    "mwaro": "Gitega",
    "bugarama": "Gitega",
    "giheta": "Gitega",
    "rn16_rn18_junction": "Gitega",
    "gishubi": "Gitega",
    "makebuko": "Gitega",
    # Butanyerera: former Ngozi, Kayanza, Kirundo.
    "ngozi": "Butanyerera",
    "kayanza": "Butanyerera",
    "kirundo": "Butanyerera",
    "gasenyi_rn6": "Butanyerera",
    "mparamirundi": "Butanyerera",
    # Buhumuza: former Cankuzo, Muyinga, Ruyigi.
    "muyinga": "Buhumuza",
    "cankuzo": "Buhumuza",
    "ruyigi": "Buhumuza",
    "butaganzwa": "Buhumuza",
    "rusengo": "Buhumuza",
    "gisuru": "Buhumuza",
    "kinyinya": "Buhumuza",
    "kigamba": "Buhumuza",
    "mishiha": "Buhumuza",
    # Burunga: former Makamba, Bururi, Rumonge, Rutana.
    "rumonge": "Burunga",
    "bururi": "Burunga",
    "rutana": "Burunga",
    "makamba": "Burunga",
    "nyanza_lac": "Burunga",
    "minago": "Burunga",
    "mabanda": "Burunga",
    "magara": "Burunga",
    "gitaza": "Burunga",
    "matana": "Burunga",
}


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seeds() -> dict[tuple[float, float], str]:
    """Return seed points (lon, lat) -> province; a point given twice must have one province."""
    points: dict[tuple[float, float], str] = {}
    nodes = {row["name"]: row for row in _rows("road_nodes.csv")}
    rows = _rows("sites.csv") + _rows("stores.csv")
    rows += [{**nodes[name], "province": province} for name, province in NODE_PROVINCES.items()]
    for row in rows:
        key = (round(float(row["lon"]), 4), round(float(row["lat"]), 4))
        if points.setdefault(key, row["province"]) != row["province"]:
            msg = f"point {key} has two provinces: {points[key]} and {row['province']}"
            raise ValueError(msg)
    return points


def border() -> Polygon:
    """Return the national border polygon (exterior ring counter-clockwise, RFC 7946)."""
    return orient(Polygon(BORDER), sign=1.0)


def provinces() -> dict[str, BaseGeometry]:
    """Return each province's outline: its seeds' Voronoi cells, dissolved and clipped to the border."""
    points = seeds()
    outline = border()
    outside = [p for p in points if not outline.contains(Point(p))]
    if outside:
        msg = f"seed points outside the border polygon: {outside}"
        raise ValueError(msg)
    cells = shapely.voronoi_polygons(MultiPoint(list(points)), extend_to=outline.buffer(1.0))
    parts: dict[str, list[BaseGeometry]] = defaultdict(list)
    for cell in cells.geoms:
        owner = next(p for p in points if cell.contains(Point(p)))
        parts[points[owner]].append(cell)
    result = {}
    for province, cells_of in sorted(parts.items()):
        shape = shapely.union_all(cells_of).intersection(outline)
        result[province] = shapely.set_precision(shape, GRID)
    return result


def _rounded(coords: object) -> object:
    """Coordinates (nested lists or tuples) rounded to 4 decimals."""
    if isinstance(coords, (list, tuple)):
        if coords and isinstance(coords[0], float | int):
            return [round(float(c), 4) for c in coords]
        return [_rounded(c) for c in coords]
    return coords


def _oriented(shape: BaseGeometry) -> BaseGeometry:
    """Exterior rings counter-clockwise and holes clockwise, as RFC 7946 asks."""
    if shape.geom_type == "Polygon":
        return orient(shape, sign=1.0)
    return shapely.MultiPolygon([orient(part, sign=1.0) for part in shape.geoms])


def feature_collection() -> dict[str, object]:
    """Return the provinces as an RFC 7946 FeatureCollection (lon/lat, no ``crs`` member)."""
    features = []
    for province, shape in provinces().items():
        geometry = mapping(_oriented(shape))
        features.append(
            {
                "type": "Feature",
                "properties": {"province": province, "approximate": True},
                "geometry": {"type": geometry["type"], "coordinates": _rounded(geometry["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    """Write ``provinces.geojson`` next to this script."""
    text = json.dumps(feature_collection(), separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(text.encode('utf-8')):,} bytes)")


if __name__ == "__main__":
    main()
