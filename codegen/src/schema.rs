//! OpenAPI schemas → [`TypeRef`]s and named [`Schema`]s.
//!
//! Component schemas keep their names. Inline objects with properties (a nested field, array
//! items, an inline body) are hoisted into named schemas (`Parent` + `Field`, `Item` for array
//! items) so every language can give them a type name. `allOf` with one member (the OpenAPI 3.0
//! way to make a `$ref` nullable or documented) is that member; `oneOf`/`anyOf` become unions.

use std::collections::HashSet;

use openapiv3::{AdditionalProperties, ReferenceOr, Schema as OaSchema, SchemaKind, Type};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{Additional, Field, Schema, Shape, TypeRef};
use crate::names::pascal_case;

/// A schema node: a `$ref` or an inline schema.
#[derive(Clone, Copy)]
pub enum Node<'s> {
    /// `$ref`.
    Ref(&'s str),
    /// Inline.
    Item(&'s OaSchema),
}

impl<'s> From<&'s ReferenceOr<OaSchema>> for Node<'s> {
    fn from(r: &'s ReferenceOr<OaSchema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => Node::Ref(reference),
            ReferenceOr::Item(s) => Node::Item(s),
        }
    }
}

impl<'s> From<&'s ReferenceOr<Box<OaSchema>>> for Node<'s> {
    fn from(r: &'s ReferenceOr<Box<OaSchema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => Node::Ref(reference),
            ReferenceOr::Item(s) => Node::Item(s),
        }
    }
}

/// Collects named schemas while converting.
pub struct Schemas {
    components: HashSet<String>,
    taken: HashSet<String>,
    /// Component schemas, in spec order.
    pub named: Vec<Schema>,
    /// Hoisted inline objects, in the order they were met.
    pub hoisted: Vec<Schema>,
}

/// Name of the component a `#/components/<kind>/<Name>` reference points to.
pub fn ref_target<'r>(reference: &'r str, kind: &str, at: &str) -> Result<&'r str> {
    let prefix = format!("#/components/{kind}/");
    reference.strip_prefix(&prefix).ok_or_else(|| {
        Error::spec(
            at,
            format!("unsupported reference {reference:?} (expected {prefix}<name>)"),
        )
    })
}

impl Schemas {
    /// Converts every component schema.
    pub fn new<'a>(
        components: impl IntoIterator<Item = (&'a String, Node<'a>)> + Clone,
    ) -> Result<Self> {
        let names: HashSet<String> = components
            .clone()
            .into_iter()
            .map(|(n, _)| n.clone())
            .collect();
        let mut this = Schemas {
            components: names.clone(),
            taken: names,
            named: Vec::new(),
            hoisted: Vec::new(),
        };
        for (name, node) in components {
            let at = format!("components.schemas.{name}");
            let (description, shape) = match node {
                Node::Ref(r) => (
                    None,
                    Shape::Alias {
                        ty: this.type_of(Node::Ref(r), name, &at)?.0,
                    },
                ),
                Node::Item(s) => (
                    s.schema_data.description.clone(),
                    this.shape_of(name, s, &at)?,
                ),
            };
            this.named.push(Schema {
                name: name.clone(),
                description,
                shape,
                location: at,
            });
        }
        Ok(this)
    }

    /// Type of a schema node; `hint` names a hoisted inline object. Returns the type and
    /// whether the node is nullable.
    pub fn type_of(&mut self, node: Node<'_>, hint: &str, at: &str) -> Result<(TypeRef, bool)> {
        let s = match node {
            Node::Ref(r) => {
                let name = ref_target(r, "schemas", at)?;
                if !self.components.contains(name) {
                    return Err(Error::spec(
                        at,
                        format!("reference to unknown schema {name:?}"),
                    ));
                }
                return Ok((
                    TypeRef::Ref {
                        name: name.to_string(),
                    },
                    false,
                ));
            }
            Node::Item(s) => s,
        };
        let nullable = s.schema_data.nullable;
        let ty = match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) => {
                let values: Vec<Value> = t
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|v| Value::from(v.as_str()))
                    .collect();
                let format = format_name(&serde_json::to_value(&t.format).unwrap_or(Value::Null));
                if !values.is_empty() {
                    TypeRef::Enum { values }
                } else if format.as_deref() == Some("binary") {
                    TypeRef::Bytes
                } else {
                    TypeRef::String { format }
                }
            }
            SchemaKind::Type(Type::Integer(t)) => {
                let values: Vec<Value> = t
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|&v| Value::from(v))
                    .collect();
                if values.is_empty() {
                    TypeRef::Integer {
                        format: format_name(
                            &serde_json::to_value(&t.format).unwrap_or(Value::Null),
                        ),
                    }
                } else {
                    TypeRef::Enum { values }
                }
            }
            SchemaKind::Type(Type::Number(t)) => {
                let values: Vec<Value> = t
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|&v| Value::from(v))
                    .collect();
                if values.is_empty() {
                    TypeRef::Number {
                        format: format_name(
                            &serde_json::to_value(&t.format).unwrap_or(Value::Null),
                        ),
                    }
                } else {
                    TypeRef::Enum { values }
                }
            }
            SchemaKind::Type(Type::Boolean(t)) => {
                let values: Vec<Value> = t
                    .enumeration
                    .iter()
                    .flatten()
                    .map(|&v| Value::from(v))
                    .collect();
                if values.is_empty() {
                    TypeRef::Boolean
                } else {
                    TypeRef::Enum { values }
                }
            }
            SchemaKind::Type(Type::Array(a)) => TypeRef::Array {
                items: Box::new(match &a.items {
                    Some(i) => {
                        self.type_of(i.into(), &format!("{hint}Item"), &format!("{at}.items"))?
                            .0
                    }
                    None => TypeRef::Any,
                }),
            },
            SchemaKind::Type(Type::Object(o)) => {
                if o.properties.is_empty() {
                    self.map_of(&o.additional_properties, hint, at)?
                } else {
                    let shape = self.object(
                        hint,
                        &o.properties,
                        &o.required,
                        &o.additional_properties,
                        at,
                    )?;
                    self.hoist(hint, s, shape, at)
                }
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => {
                let (ty, inner_nullable) =
                    self.type_of((&all_of[0]).into(), hint, &format!("{at}.allOf[0]"))?;
                return Ok((ty, nullable || inner_nullable));
            }
            SchemaKind::OneOf { one_of: v } | SchemaKind::AnyOf { any_of: v } => {
                let mut variants = Vec::new();
                for (i, x) in v.iter().enumerate() {
                    variants.push(
                        self.type_of(x.into(), &format!("{hint}{}", i + 1), &format!("{at}[{i}]"))?
                            .0,
                    );
                }
                TypeRef::Union { variants }
            }
            SchemaKind::Any(a) if !a.properties.is_empty() => {
                let shape = self.object(
                    hint,
                    &a.properties,
                    &a.required,
                    &a.additional_properties,
                    at,
                )?;
                self.hoist(hint, s, shape, at)
            }
            SchemaKind::Any(a) if !a.enumeration.is_empty() => TypeRef::Enum {
                values: a
                    .enumeration
                    .iter()
                    .filter(|v| !v.is_null())
                    .cloned()
                    .collect(),
            },
            SchemaKind::Any(a) => match (a.typ.as_deref(), &a.items) {
                (_, Some(i)) => TypeRef::Array {
                    items: Box::new(
                        self.type_of(i.into(), &format!("{hint}Item"), &format!("{at}.items"))?
                            .0,
                    ),
                },
                (Some("string"), _) => TypeRef::String {
                    format: a.format.clone(),
                },
                (Some("integer"), _) => TypeRef::Integer {
                    format: a.format.clone(),
                },
                (Some("number"), _) => TypeRef::Number {
                    format: a.format.clone(),
                },
                (Some("boolean"), _) => TypeRef::Boolean,
                (Some("object"), _) => self.map_of(&a.additional_properties, hint, at)?,
                _ => TypeRef::Any,
            },
            // allOf with several members, `not`: no common typed form.
            _ => TypeRef::Any,
        };
        Ok((ty, nullable))
    }

    fn shape_of(&mut self, name: &str, s: &OaSchema, at: &str) -> Result<Shape> {
        match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => self.object(
                name,
                &o.properties,
                &o.required,
                &o.additional_properties,
                at,
            ),
            SchemaKind::Any(a) if !a.properties.is_empty() => self.object(
                name,
                &a.properties,
                &a.required,
                &a.additional_properties,
                at,
            ),
            _ => {
                let base = match &s.schema_kind {
                    SchemaKind::Type(Type::String(_)) => "string",
                    SchemaKind::Type(Type::Integer(_)) => "integer",
                    SchemaKind::Type(Type::Number(_)) => "number",
                    SchemaKind::Type(Type::Boolean(_)) => "boolean",
                    _ => "any",
                };
                let open = s.schema_data.extensions.get("x-axme-open") == Some(&Value::Bool(true));
                Ok(match self.type_of(Node::Item(s), name, at)?.0 {
                    TypeRef::Enum { values } => Shape::Enum {
                        base: base.into(),
                        values,
                        open,
                    },
                    ty => Shape::Alias { ty },
                })
            }
        }
    }

    fn object<'a>(
        &mut self,
        owner: &str,
        props: impl IntoIterator<Item = (&'a String, &'a ReferenceOr<Box<OaSchema>>)>,
        required: &[String],
        additional: &Option<AdditionalProperties>,
        at: &str,
    ) -> Result<Shape> {
        let mut fields = Vec::new();
        for (name, node) in props {
            let field_at = format!("{at}.properties.{name}");
            let node: Node = node.into();
            let (ty, nullable) =
                self.type_of(node, &format!("{owner}{}", pascal_case(name)), &field_at)?;
            let data = match node {
                Node::Item(s) => Some(&s.schema_data),
                Node::Ref(_) => None,
            };
            fields.push(Field {
                name: name.clone(),
                ty,
                required: required.contains(name),
                nullable,
                default: data.and_then(|d| d.default.clone()),
                description: data.and_then(|d| d.description.clone()),
                deprecated: data.is_some_and(|d| d.deprecated),
                read_only: data.is_some_and(|d| d.read_only),
            });
        }
        for r in required {
            if !fields.iter().any(|f| &f.name == r) {
                return Err(Error::spec(
                    at,
                    format!("required property {r:?} is not declared"),
                ));
            }
        }
        let additional = match additional {
            None => Additional::Unspecified,
            Some(AdditionalProperties::Any(false)) => Additional::Closed,
            Some(AdditionalProperties::Any(true)) => Additional::Any,
            Some(AdditionalProperties::Schema(s)) => {
                match self
                    .type_of(
                        (&**s).into(),
                        &format!("{owner}Value"),
                        &format!("{at}.additionalProperties"),
                    )?
                    .0
                {
                    TypeRef::Any => Additional::Any,
                    values => Additional::Typed { values },
                }
            }
        };
        Ok(Shape::Object { fields, additional })
    }

    fn map_of(
        &mut self,
        additional: &Option<AdditionalProperties>,
        hint: &str,
        at: &str,
    ) -> Result<TypeRef> {
        let values = match additional {
            Some(AdditionalProperties::Schema(s)) => {
                self.type_of(
                    (&**s).into(),
                    &format!("{hint}Value"),
                    &format!("{at}.additionalProperties"),
                )?
                .0
            }
            _ => TypeRef::Any,
        };
        Ok(TypeRef::Map {
            values: Box::new(values),
        })
    }

    fn hoist(&mut self, hint: &str, s: &OaSchema, shape: Shape, at: &str) -> TypeRef {
        let mut name = pascal_case(hint);
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{}{n}", pascal_case(hint));
            n += 1;
        }
        self.taken.insert(name.clone());
        self.hoisted.push(Schema {
            name: name.clone(),
            description: s.schema_data.description.clone(),
            shape,
            location: at.to_string(),
        });
        TypeRef::Ref { name }
    }
}

/// `format` as serialised by openapiv3 (`"date-time"`, or an unknown string), empty → none.
fn format_name(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}
