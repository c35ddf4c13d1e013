//! The guard's messages, in every language.

use crate::i18n::Text;

pub const WARNING: Text = Text {
    en: "{name}, to write in this group, join {channels} first, then press “I have joined”.",
    ru: "{name}, чтобы писать в этой группе, подпишитесь на {channels}, затем нажмите «Я подписался».",
};
pub const JOINED_BUTTON: Text = Text {
    en: "✅ I have joined",
    ru: "✅ Я подписался",
};
pub const JOIN_BUTTON: Text = Text {
    en: "Join {channel}",
    ru: "Подписаться на {channel}",
};
pub const NOT_YOUR_BUTTON: Text = Text {
    en: "This button is not for you.",
    ru: "Эта кнопка не для вас.",
};
pub const STILL_MISSING: Text = Text {
    en: "You are not subscribed to {channels} yet.",
    ru: "Вы ещё не подписаны на {channels}.",
};
pub const VERIFIED: Text = Text {
    en: "Thank you! You can write in the group now.",
    ru: "Спасибо! Теперь вы можете писать в группе.",
};
