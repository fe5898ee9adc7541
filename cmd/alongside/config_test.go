package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The file init writes reads back as the defaults a project without one
// gets: the two cannot drift apart.
func TestConfigTemplateIsTheDefaults(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, configName), []byte(configTemplate()), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := loadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("alongside.yaml from init reads as %+v, want the defaults %+v", got, want)
	}
}
