// Package safefile writes files so that a crash never leaves half of one
// under its name: the data goes to a temporary file beside it, reaches the
// disk, and only then takes the name.
package safefile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteTemp writes data to a new temporary file in the directory of path,
// with permissions perm, and syncs it to disk. The caller gives it its
// name (os.Rename to replace, os.Link to refuse to) and removes the
// temporary file afterwards, whatever happened.
func WriteTemp(path string, data []byte, perm os.FileMode) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	err = tmp.Chmod(perm)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return tmp.Name(), nil
}

// WriteFile writes data to path, replacing what was there, through a
// temporary file.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := WriteTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	return os.Rename(tmp, path)
}
