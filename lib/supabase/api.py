"""Is this database Supabase-shaped, and which schemas does its API serve?

PostgREST serves the schemas listed in `pgrst.db_schemas` (Supabase: Settings → API → Exposed schemas),
a setting it reads as its login role `authenticator` in this database. pgpulse looks, in this order, for
what PostgREST would see: the setting of `authenticator` in this database (ALTER ROLE ... IN DATABASE),
of `authenticator` everywhere (ALTER ROLE ... SET), then what pgpulse's own session sees
(current_setting: a setting of its role, of the database, or a SET), then the database's setting for
every role. Without any, the lints about what the API exposes are not applicable, and say so.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCES = (
    ("authenticator_in_database", "the authenticator role's pgrst.db_schemas in this database"),
    ("authenticator_everywhere", "the authenticator role's pgrst.db_schemas"),
    ("session", "pgrst.db_schemas as this session sees it"),
    ("database_wide", "this database's pgrst.db_schemas"),
)
API_ROLES = ("anon", "authenticated")


def parse_schemas(value: str | None) -> tuple[str, ...]:
    """'public, "My schema"' -> ('public', 'My schema'): PostgREST's comma-separated list."""
    names = []
    for part in (value or "").split(","):
        name = part.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1].replace('""', '"')
        if name and name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class SupabaseContext:
    has_auth_users: bool
    roles: frozenset[str]  # the API roles that exist
    exposed: tuple[str, ...] | None  # the schemas the API serves; None when nothing says
    source: str = ""  # where `exposed` was read

    def missing(self, needs: frozenset[str]) -> str | None:
        """Why a lint that needs these cannot be judged here, or None when it can."""
        reasons = []
        if "auth" in needs and not self.has_auth_users:
            reasons.append("there is no auth.users table (Supabase's auth schema)")
        absent = [r for r in API_ROLES if r not in self.roles]
        if "api_roles" in needs and absent:
            reasons.append(f"the API role{'s' if len(absent) > 1 else ''} {' and '.join(absent)} "
                           f"do{'es' if len(absent) == 1 else ''} not exist")
        if "exposed" in needs and not self.exposed:
            reasons.append("nothing says which schemas the API serves (pgrst.db_schemas is not set for the "
                           "authenticator role or the database)")
        if not reasons:
            return None
        return "Not applicable: " + "; ".join(reasons) + "."


def from_row(row: dict) -> SupabaseContext:
    for key, words in SOURCES:
        schemas = parse_schemas(row.get(key))
        if schemas:
            return SupabaseContext(bool(row["has_auth_users"]), frozenset(row["api_roles"] or ()), schemas, words)
    return SupabaseContext(bool(row["has_auth_users"]), frozenset(row["api_roles"] or ()), None)


def read(db) -> SupabaseContext:
    """This database's Supabase shape (db: lib.core.db.Database)."""
    return from_row(db.one("supabase_api") or {"has_auth_users": False, "api_roles": []})
