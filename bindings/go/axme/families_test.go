package axme_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/axme/axme-go/axme"
)

// One call of several families through the generated methods: the public spellings, the default
// spelling (a …Params struct) and a byte answer.
func TestFamilies(t *testing.T) {
	c, cred := isolated(t, axme.ClientConfig{})
	must(c.Health(bg, axme.RequestOptions{}))
	must(c.GetCapabilities(bg, axme.RequestOptions{}))
	must(c.SendIntent(bg, intentBody("agent://acme/prod/billing"), axme.RequestOptions{}))
	limit := 5
	list := must(c.ListIntents(bg, axme.ListIntentsParams{Limit: &limit}, axme.RequestOptions{}))
	if items, _ := list["intents"].([]any); len(items) != 1 {
		t.Fatalf("ListIntents: %v", list)
	}
	must(c.ListInbox(bg, "agent://acme/prod/billing", axme.RequestOptions{}))
	must(c.ListAgents(bg, cred.OrgID, cred.WorkspaceID, &limit, axme.RequestOptions{}))
	content := []byte("hello, media")
	upload := must(c.CreateMediaUpload(bg, map[string]any{"owner_agent": "agent://acme/prod/billing", "filename": "a.txt", "mime_type": "text/plain", "size_bytes": len(content)}, axme.RequestOptions{}))
	id, _ := upload["upload_id"].(string)
	must(c.UploadMediaContent(bg, id, content, axme.RequestOptions{}))
	must(c.FinalizeMediaUpload(bg, map[string]any{"upload_id": id, "size_bytes": len(content), "sha256": fmt.Sprintf("%x", sha256.Sum256(content))}, axme.RequestOptions{}))
	got := must(c.DownloadMedia(bg, id, axme.RequestOptions{}))
	if string(got) != string(content) {
		t.Fatalf("DownloadMedia: %q", got)
	}
	for _, e := range journal(t, cred) {
		if e.Route == "/v1/intents" && e.Method == "GET" && (e.Query == nil || *e.Query != "limit=5") {
			t.Fatalf("ListIntents query: %v", e.Query)
		}
	}
}
