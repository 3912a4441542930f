// What the inventory's search box matches in an asset: the values of its record (address, MACs,
// vendors, identity, roles, protocols, node names, the Purdue reason) and the numbers of its
// identity (a BACnet device instance), lowercased, one per line; never the field names, so that
// "vendor" or "ip" finds the assets that say so, not every asset. Kept in the `search` column,
// computed by SQLite from the record's JSON as the row is written (one definition for both write
// paths and the migration), and read through the covering index (ip, search): a search scans
// that short text in address order, not every whole record. Migration 20 filled the column with
// this definition: a change to it needs a migration that fills the column again.

/** The search text of the record JSON `json` (an SQL expression), as SQLite computes it. */
export function assetSearchSql(json: string): string {
  return `(SELECT group_concat(lower(value), char(10)) FROM json_tree(${json}) WHERE type = 'text' OR (type = 'integer' AND fullkey LIKE '$.identity.%'))`;
}

/** The text a query looks for in the search column: lowercased as SQLite's lower() does (ASCII only). */
export function searchNeedle(q: string): string {
  return q.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}
