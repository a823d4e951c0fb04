//! Trees of files held in memory: a directory of `.tf` files read whole, or (for the pre-commit
//! hook) the files of a git tree. What reads them never touches the file system again.

use super::LoadError;
use std::collections::BTreeMap;
use std::path::Path;

/// The most files a tree holds.
pub(crate) const MOST_FILES: usize = 10_000;
/// The most bytes one file of a tree holds.
pub(crate) const LONGEST_FILE: usize = 4 << 20;
/// The most bytes all the files of a tree hold together.
pub(crate) const MOST_BYTES: usize = 64 << 20;
/// How deep a directory is read.
const DEEPEST: usize = 32;

/// A tree of text files: the root module's directory and, by their paths relative to it (with
/// `/`), the texts of the files a `.tf` reader may read (`.tf`, `.tfvars`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tree {
    /// The name users know the tree by (a directory as given, `HEAD`, `the index`).
    pub(crate) name: String,
    pub(crate) files: BTreeMap<String, String>,
    /// The directory of the root module among the files (`""`: the top; `envs/prod`).
    pub(crate) root: String,
    bytes: usize,
}

impl Tree {
    /// An empty tree.
    pub(crate) fn new(name: &str) -> Tree {
        Tree {
            name: name.to_string(),
            ..Tree::default()
        }
    }

    /// Add a file by its path relative to the root (`modules/app/main.tf`; `\` is read as `/`),
    /// refusing what would make the tree larger than foureyes reads.
    pub(crate) fn insert(&mut self, path: &str, text: String) -> Result<(), LoadError> {
        let path = path.replace('\\', "/");
        let path = path.trim_start_matches("./").to_string();
        let too_large = |what: String| LoadError::Invalid {
            name: self.place(&path),
            message: what,
        };
        if text.len() > LONGEST_FILE {
            return Err(too_large(format!(
                "is larger than foureyes reads ({} MiB)",
                LONGEST_FILE >> 20
            )));
        }
        if self.files.len() >= MOST_FILES && !self.files.contains_key(&path) {
            return Err(too_large(format!(
                "is one file more than foureyes reads in a tree ({MOST_FILES})"
            )));
        }
        if self.bytes + text.len() > MOST_BYTES {
            return Err(too_large(format!(
                "makes the tree larger than foureyes reads ({} MiB)",
                MOST_BYTES >> 20
            )));
        }
        self.bytes += text.len();
        if let Some(old) = self.files.insert(path, text) {
            self.bytes -= old.len();
        }
        Ok(())
    }

    /// The same tree with only the files whose directory `keep` accepts (`""`: the top).
    pub(crate) fn only(&self, keep: impl Fn(&str) -> bool) -> Result<Tree, LoadError> {
        let mut tree = Tree {
            name: self.name.clone(),
            root: self.root.clone(),
            ..Tree::default()
        };
        for (path, text) in &self.files {
            if keep(path.rfind('/').map_or("", |i| &path[..i])) {
                tree.insert(path, text.clone())?;
            }
        }
        Ok(tree)
    }

    /// How a file of the tree is named in errors: the tree's name, then its path.
    pub(crate) fn place(&self, path: &str) -> String {
        if self.name.is_empty() {
            return path.to_string();
        }
        format!("{}/{}", self.name.trim_end_matches('/'), path)
    }

    /// Read a directory: its `.tf` and `.tfvars` files, in sub-directories too (local modules),
    /// but not in hidden ones (`.terraform/`, `.git/`). Symbolic links are not followed.
    pub(crate) fn read_directory(dir: &Path) -> Result<Tree, LoadError> {
        let name = dir.display().to_string();
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(LoadError::Invalid {
                    name,
                    message: "is not a directory: expected a directory of `.tf` files".to_string(),
                })
            }
            Err(source) => return Err(LoadError::Io { name, source }),
        }
        let mut tree = Tree::new(&name);
        walk(dir, "", 0, &mut tree)?;
        Ok(tree)
    }
}

/// Whether the tree reads a file of this name.
fn wanted(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(".tfvars")
}

impl Tree {
    /// Whether a tree read from a directory would hold the file at this relative path (a
    /// `.tf` or `.tfvars` file, in no hidden folder): what a tree built from git objects (the
    /// pre-commit hook) should hold, so that both read the same.
    pub(crate) fn reads(path: &str) -> bool {
        let mut parts = path.split('/').filter(|p| !p.is_empty() && *p != ".");
        let Some(name) = parts.next_back() else {
            return false;
        };
        wanted(name) && parts.all(|dir| !dir.starts_with('.'))
    }
}

fn walk(dir: &Path, relative: &str, depth: usize, tree: &mut Tree) -> Result<(), LoadError> {
    let io = |source| LoadError::Io {
        name: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<(String, std::fs::FileType, std::path::PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let kind = entry.file_type().map_err(io)?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        entries.push((name, kind, entry.path()));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind, path) in entries {
        let inner = if relative.is_empty() {
            name.clone()
        } else {
            format!("{relative}/{name}")
        };
        if kind.is_dir() {
            if !name.starts_with('.') && depth < DEEPEST {
                walk(&path, &inner, depth + 1, tree)?;
            }
        } else if kind.is_file() && wanted(&name) {
            let bytes = std::fs::read(&path).map_err(|source| LoadError::Io {
                name: tree.place(&inner),
                source,
            })?;
            let text = String::from_utf8(bytes).map_err(|e| {
                let (line, column) = super::line_column(e.as_bytes(), e.utf8_error().valid_up_to());
                LoadError::At {
                    name: tree.place(&inner),
                    line,
                    column,
                    message: "is not UTF-8 text: expected a `.tf` file in UTF-8".to_string(),
                }
            })?;
            tree.insert(&inner, text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_read_with_its_modules_and_without_hidden_folders() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("modules/app")).expect("mkdir");
        std::fs::create_dir_all(root.join(".terraform/modules/x")).expect("mkdir");
        std::fs::write(root.join("main.tf"), "a = 1\n").expect("write");
        std::fs::write(root.join("terraform.tfvars"), "b = 2\n").expect("write");
        std::fs::write(root.join("README.md"), "no\n").expect("write");
        std::fs::write(root.join("modules/app/main.tf"), "c = 3\n").expect("write");
        std::fs::write(root.join(".terraform/modules/x/main.tf"), "d\n").expect("write");
        let tree = Tree::read_directory(root).expect("reads");
        let paths: Vec<&str> = tree.files.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            ["main.tf", "modules/app/main.tf", "terraform.tfvars"]
        );
    }

    #[test]
    fn a_file_or_a_missing_path_is_not_a_tree() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("main.tf");
        std::fs::write(&file, "a = 1\n").expect("write");
        let err = Tree::read_directory(&file).expect_err("a file").to_string();
        assert!(err.ends_with("is not a directory: expected a directory of `.tf` files"));
        let err = Tree::read_directory(&dir.path().join("nope")).expect_err("missing");
        assert!(err.to_string().contains("cannot read"), "{err}");
    }

    #[test]
    fn a_tree_is_bounded() {
        let mut tree = Tree::new("t");
        let err = tree
            .insert("big.tf", "x".repeat(LONGEST_FILE + 1))
            .expect_err("too big")
            .to_string();
        assert!(err.starts_with("t/big.tf: is larger than"), "{err}");
        tree.insert("./a\\b.tf", "x".to_string()).expect("fits");
        assert!(tree.files.contains_key("a/b.tf"));
        assert!(Tree::reads("envs/prod/main.tf") && Tree::reads("terraform.tfvars"));
        assert!(!Tree::reads(".terraform/modules/x/main.tf") && !Tree::reads("README.md"));
    }
}
