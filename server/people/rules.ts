// Plain facts of the people module that others build on.

/** The kinds of organisation (api.md "People, organisations, badges"). */
export const ORG_KINDS = ['depositor', 'contractor', 'subcontractor', 'carrier', 'disposal_vendor', 'visitor_company'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];
