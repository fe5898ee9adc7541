package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"
)

// configName is the project's configuration file.
const configName = "alongside.yaml"

// config is alongside.yaml. Flags override it.
type config struct {
	Transcripts []string `yaml:"transcripts"`
	Codebook    string   `yaml:"codebook"`
	Language    string   `yaml:"language"`
	Workers     int      `yaml:"workers"`
	Reviewer    string   `yaml:"reviewer"`
	MaxFileMB   int64    `yaml:"max_file_mb"`
	Suggestions bool     `yaml:"suggestions"`
	// CompactSeconds bounds the shard merges at the end of a run (0: none).
	CompactSeconds int `yaml:"compact_seconds"`
}

// defaultConfig is the configuration of a project without alongside.yaml,
// and what init writes: the defaults are given here only.
func defaultConfig() *config {
	return &config{Transcripts: []string{"transcripts"}, Codebook: "codebook.yaml", Language: "en", Workers: 0, MaxFileMB: 50, Suggestions: true, CompactSeconds: 60}
}

// configTemplate is the commented alongside.yaml init writes, with the
// defaults filled in.
func configTemplate() string {
	c := defaultConfig()
	return fmt.Sprintf(`# Alongside project configuration. Flags given on the command line win.

# Transcript folders or single files (a CSV or TSV table, say), relative to
# this folder. Folders are read recursively; files whose names start with
# "." are left alone.
transcripts:
  - %s

# The codebook: YAML, CSV or a REFI-QDA .qdc file.
codebook: %s

# Language of the transcripts (sentence splitting and stemming).
language: %s

# Workers for reading and segmenting; 0 means one per CPU core.
workers: %d

# Your name, recorded with every decision you make (or give --reviewer).
reviewer: ""

# Transcript files larger than this many megabytes are skipped.
max_file_mb: %d

# Rank the queue by meaning and suggest candidates after every run that
# changed something (as "alongside suggest" does on demand); false: keyword
# candidates only, in the order of the transcripts.
suggestions: %t

# After each run, merge the index's shards for up to this many seconds (a
# merge that would take longer waits for "alongside compact"); 0: never.
compact_seconds: %d
`, c.Transcripts[0], c.Codebook, c.Language, c.Workers, c.MaxFileMB, c.Suggestions, c.CompactSeconds)
}

// loadConfig reads DIR/alongside.yaml; a project without one gets the
// defaults (transcripts/ and codebook.yaml).
func loadConfig(dir string) (*config, error) {
	c := defaultConfig()
	path := filepath.Join(dir, configName)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if c.Language != "" && c.Language != "en" {
		return nil, fmt.Errorf("%s: language %q: only \"en\" is supported", path, c.Language)
	}
	return c, nil
}
