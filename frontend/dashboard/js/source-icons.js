/* Icons of well-known sources: simple-icons' SVGs (CC0), served by Pulse from node_modules
   (/assets/vendor/icons/<slug>.svg). A source not named here has no icon. */

const SLUGS = {
  Google: "google", Baidu: "baidu", X: "x", DuckDuckGo: "duckduckgo", Ecosia: "ecosia",
  "Brave Search": "brave", Kagi: "kagi", Qwant: "qwant", Naver: "naver", Yandex: "yandexcloud",
  "Hacker News": "ycombinator", Lobsters: "lobsters", "Product Hunt": "producthunt",
  Facebook: "facebook", Instagram: "instagram", Threads: "threads", Reddit: "reddit",
  YouTube: "youtube", TikTok: "tiktok", Pinterest: "pinterest", Mastodon: "mastodon",
  Bluesky: "bluesky", Tumblr: "tumblr", Twitch: "twitch", VK: "vk", Weibo: "sinaweibo",
  Zhihu: "zhihu", Bilibili: "bilibili", Douban: "douban", Xiaohongshu: "xiaohongshu",
  Kuaishou: "kuaishou", Quora: "quora", Snapchat: "snapchat", Discord: "discord",
  Telegram: "telegram", WhatsApp: "whatsapp", WeChat: "wechat", QQ: "qq", LINE: "line",
  Gmail: "gmail", "Proton Mail": "protonmail", Claude: "claude", Gemini: "googlegemini",
  Perplexity: "perplexity", Mistral: "mistralai", DeepSeek: "deepseek", "github.com": "github",
};

export function sourceIcon(name) {
  const slug = SLUGS[name];
  return slug ? `/assets/vendor/icons/${slug}.svg` : null;
}
