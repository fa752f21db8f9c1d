/** Clusters a code-unit or code-point cut would break. */
export const CLUSTERS: [string, string][] = [
  ["emoji (surrogate pair)", "😀"],
  ["skin tone", "👍🏽"],
  ["ZWJ family", "👨‍👩‍👧‍👦"],
  ["ZWJ profession + VS16", "🧑🏽‍💻"],
  ["flag", "🇨🇳"],
  ["tag flag", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
  ["keycap", "1️⃣"],
  ["combining marks", "e\u0301\u0323"],
  ["CJK", "钉"],
  ["Hangul jamo", "\u1100\u1161\u11a8"],
];
