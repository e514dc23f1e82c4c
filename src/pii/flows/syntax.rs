//! What tree-sitter node kinds mean to the walker, across grammars:
//! strings, interpolations, references, and how a reference's text splits.

use super::super::lexicon::Data;
use tree_sitter::Node;

pub(super) fn is_string(kind: &str) -> bool {
    matches!(
        kind,
        "string"
            | "string_literal"
            | "template_string"
            | "interpreted_string_literal"
            | "raw_string_literal"
            | "string_content"
            | "character_literal"
            | "heredoc_body"
            | "text_block"
            | "concatenated_string"
            | "string_fragment"
            | "simple_symbol"
            | "hash_key_symbol"
            | "rune_literal"
            | "comment"
            | "line_comment"
            | "block_comment"
    )
}

pub(super) fn is_interpolation(kind: &str) -> bool {
    matches!(kind, "interpolation" | "template_substitution")
}

/// Nodes that are one reference to data: a name or a member chain.
pub(super) fn is_reference(kind: &str) -> bool {
    matches!(
        kind,
        "identifier"
            | "attribute"
            | "member_expression"
            | "field_access"
            | "selector_expression"
            | "field_expression"
            | "instance_variable"
            | "shorthand_property_identifier"
            | "subscript"
            | "subscript_expression"
            | "element_reference"
            | "index_expression"
            | "scoped_identifier"
            | "constant"
            | "property_identifier"
            | "field_identifier"
    )
}

/// Splits a reference's text into its segments: `a.b`, `a->b`, `a::b`,
/// `a?.b`, `a["b"]`, `a[:b]` all give `[a, b]`.
pub(super) fn segments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    out.retain(|s| !s.chars().all(|c| c.is_ascii_digit()) && s != "self" && s != "this");
    out
}

/// A reference in an argument: its node, its segments, and where the text
/// they come from ends (past the node, in a Rust macro's token list).
pub(super) type Ref<'a> = (Node<'a>, Vec<String>, usize);

/// A sensitive reference: its node, the source path, the data class, the
/// variable it came through (and that variable's line), and whether it sits
/// on a person-like object.
pub(super) type Reference<'a> = (Node<'a>, String, Data, Option<(String, usize)>, bool);

pub(super) fn is_simple_name(s: &str) -> bool {
    let s = s.trim_start_matches(['@', '$']);
    let s = s.strip_prefix("mut ").unwrap_or(s);
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}
