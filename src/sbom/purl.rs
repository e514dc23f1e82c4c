//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`) and
//! their OSV ecosystems. A purl whose type maestro doesn't know maps to no
//! ecosystem: it is never matched against another ecosystem's advisories.

/// A parsed purl.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Purl {
    /// Type (`cargo`, `pypi`, `golang`, `npm`, `maven`…), lower-case.
    pub ty: String,
    /// Namespace (`@scope`, Maven group, Go module path prefix), decoded.
    pub namespace: Option<String>,
    /// Name, decoded.
    pub name: String,
    /// Version, decoded.
    pub version: Option<String>,
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Purl {
    /// Parses `s`; `None` if it is not a valid purl.
    pub fn parse(s: &str) -> Option<Purl> {
        let rest = s.trim().strip_prefix("pkg:")?;
        let rest = rest.trim_start_matches('/');
        let rest = rest.split('#').next()?;
        let rest = rest.split('?').next()?;
        let (ty, path) = rest.split_once('/')?;
        let ty = ty.to_ascii_lowercase();
        if ty.is_empty()
            || !ty
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c))
        {
            return None;
        }
        let (path, version) = match path.rsplit_once('@') {
            Some((p, v)) if !p.is_empty() && !p.ends_with('/') => (p, Some(decode(v)?)),
            _ => (path, None),
        };
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (name, ns) = segs.split_last()?;
        let name = decode(name)?;
        if name.is_empty() {
            return None;
        }
        let namespace = if ns.is_empty() {
            None
        } else {
            Some(
                ns.iter()
                    .map(|s| decode(s))
                    .collect::<Option<Vec<_>>>()?
                    .join("/"),
            )
        };
        Some(Purl {
            ty,
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
        })
    }

    /// The purl of a package in an OSV `ecosystem` (the types lockfiles
    /// hold), or `None` for an ecosystem without a purl type here.
    pub fn for_package(ecosystem: &str, name: &str, version: &str) -> Option<String> {
        let ty = match ecosystem {
            "crates.io" => "cargo",
            "npm" => "npm",
            "PyPI" => "pypi",
            "Go" => "golang",
            "RubyGems" => "gem",
            "Packagist" => "composer",
            "Maven" => "maven",
            "NuGet" => "nuget",
            _ => return None,
        };
        let path = match ty {
            "maven" => name.replacen(':', "/", 1),
            "pypi" => name.to_ascii_lowercase().replace('_', "-"),
            _ => name.to_string(),
        };
        // Each segment percent-encoded; `/` separates namespace segments.
        let enc = |s: &str| -> String {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        let path: Vec<String> = path.split('/').map(enc).collect();
        Some(format!("pkg:{ty}/{}@{}", path.join("/"), enc(version)))
    }

    /// The OSV ecosystem for this purl type, if maestro knows it.
    pub fn ecosystem(&self) -> Option<&'static str> {
        Some(match self.ty.as_str() {
            "cargo" => "crates.io",
            "pypi" => "PyPI",
            "golang" => "Go",
            "npm" => "npm",
            "maven" => "Maven",
            "gem" => "RubyGems",
            "nuget" => "NuGet",
            "composer" => "Packagist",
            "hex" => "Hex",
            "pub" => "Pub",
            _ => return None,
        })
    }

    /// The package name as OSV writes it for the ecosystem.
    pub fn package_name(&self) -> String {
        match (self.ty.as_str(), &self.namespace) {
            ("maven", Some(ns)) => format!("{ns}:{}", self.name),
            // PEP 503 normalisation.
            ("pypi", _) => self
                .name
                .to_ascii_lowercase()
                .split(['-', '_', '.'])
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join("-"),
            (_, Some(ns)) => format!("{ns}/{}", self.name),
            (_, None) => self.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_purls() {
        let p = Purl::parse(
            "pkg:golang/github.com/ProtonMail/go-crypto@v0.0.0-20210428141323-04723f9f07d7",
        )
        .unwrap();
        assert_eq!(p.package_name(), "github.com/ProtonMail/go-crypto");
        assert_eq!(p.ecosystem(), Some("Go"));
        let p = Purl::parse("pkg:npm/%40angular/core@12.0.0").unwrap();
        assert_eq!(p.package_name(), "@angular/core");
        let p =
            Purl::parse("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar").unwrap();
        assert_eq!(
            (p.package_name().as_str(), p.version.as_deref()),
            ("org.apache.logging.log4j:log4j-core", Some("2.14.1"))
        );
        let p = Purl::parse("pkg:pypi/Flask_Cors@3.0.10").unwrap();
        assert_eq!(p.package_name(), "flask-cors");
        assert_eq!(
            Purl::parse("pkg:deb/debian/zlib@1.2").unwrap().ecosystem(),
            None
        );
        for bad in [
            "",
            "cargo/x@1",
            "pkg:",
            "pkg:cargo",
            "pkg:cargo/",
            "pkg:c@rgo/x@1",
            "pkg:cargo/%zz@1",
        ] {
            assert!(Purl::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn purls_for_lockfile_packages_parse_back_to_the_same_package() {
        for (eco, name, version, want) in [
            ("crates.io", "serde", "1.0.2", "pkg:cargo/serde@1.0.2"),
            (
                "npm",
                "@babel/core",
                "7.24.0",
                "pkg:npm/%40babel/core@7.24.0",
            ),
            ("PyPI", "Django_REST", "3.1", "pkg:pypi/django-rest@3.1"),
            (
                "Go",
                "github.com/a/b/v2",
                "v2.0.1",
                "pkg:golang/github.com/a/b/v2@v2.0.1",
            ),
            ("Maven", "org.x:core", "1.0", "pkg:maven/org.x/core@1.0"),
        ] {
            let purl = Purl::for_package(eco, name, version).unwrap();
            assert_eq!(purl, want);
            let p = Purl::parse(&purl).unwrap();
            assert_eq!(p.ecosystem(), Some(eco));
            assert_eq!(p.version.as_deref(), Some(version));
            let expected = if eco == "PyPI" {
                "django-rest".to_string()
            } else {
                name.to_string()
            };
            assert_eq!(p.package_name(), expected);
        }
        assert_eq!(Purl::for_package("Hackage", "x", "1"), None);
    }
}
