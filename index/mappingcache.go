package index

import (
	"encoding/json"
	"sync"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/util"
)

// Every shard stores its mapping as JSON, and Bleve parses it each time it
// opens the shard: 0.3 ms of CPU a shard, the largest part of opening one,
// paid by every search process once per shard. The shards of a project
// hold the same mapping (or one of the few earlier ones), so each mapping
// parsed is kept by its JSON and handed to the next shard whose JSON is
// byte for byte the same. A mapping is not changed once an index is open.
func init() {
	util.UnmarshalJSON = unmarshalJSONSharingMappings
}

var parsedMappings struct {
	sync.Mutex
	byJSON map[string]*mapping.IndexMappingImpl
}

func unmarshalJSONSharingMappings(data []byte, v any) error {
	p, ok := v.(**mapping.IndexMappingImpl)
	if !ok {
		return json.Unmarshal(data, v)
	}
	parsedMappings.Lock()
	defer parsedMappings.Unlock()
	if m, ok := parsedMappings.byJSON[string(data)]; ok {
		*p = m
		return nil
	}
	if err := json.Unmarshal(data, p); err != nil {
		return err
	}
	if parsedMappings.byJSON == nil {
		parsedMappings.byJSON = map[string]*mapping.IndexMappingImpl{}
	}
	parsedMappings.byJSON[string(data)] = *p
	return nil
}
