// Vietnamese first, English second. The choice is kept in localStorage and
// shared by the tablet, the console and the projector of one browser.

const LANG_KEY = "icabinet.lang";

const vi = {
  "app.name": "i-Cabinet",
  "app.tagline": "Phòng họp thông minh, không giấy",
  "app.console": "Bảng điều khiển thư ký",
  "app.projector": "Màn hình phòng họp",
  "app.tablet": "Máy tính bảng đại biểu",
  "lang.switch": "English",
  "lang.switch_label": "Switch to English",
  "common.logout": "Đăng xuất",
  "common.loading": "Đang tải…",
  "common.save": "Lưu",
  "common.cancel": "Huỷ",
  "common.confirm": "Đồng ý",
  "common.close": "Đóng",
  "common.edit": "Sửa",
  "common.delete": "Xoá",
  "common.saved": "Đã lưu",
  "common.back": "‹ Danh sách cuộc họp",
  "login.title": "Đăng nhập",
  "login.username": "Tên đăng nhập",
  "login.password": "Mật khẩu",
  "login.submit": "Đăng nhập",
  "login.busy": "Đang đăng nhập…",
  "login.projector_hint": "Đăng nhập để hiển thị cuộc họp trên màn hình lớn.",
  "meetings.mine": "Cuộc họp của tôi",
  "meetings.all": "Danh sách cuộc họp",
  "meetings.empty": "Chưa có cuộc họp nào.",
  "meetings.no_time": "Chưa định thời gian",
  "meetings.no_place": "Chưa định địa điểm",
  "meetings.refresh": "Làm mới",
  "status.draft": "Chưa bắt đầu",
  "status.live": "Đang họp",
  "status.closed": "Đã kết thúc",
  "item.pending": "Chờ",
  "item.current": "Đang thảo luận",
  "item.done": "Đã xong",
  "item.skipped": "Bỏ qua",
  "role.chair": "Chủ trì",
  "role.secretary": "Thư ký",
  "role.delegate": "Đại biểu",
  "role.guest": "Khách mời",
  "attendance.unknown": "Chưa điểm danh",
  "attendance.present": "Có mặt",
  "attendance.absent": "Vắng",
  "attendance.excused": "Vắng có phép",
  "meeting.place": "Địa điểm",
  "meeting.time": "Thời gian",
  "meeting.agenda": "Chương trình họp",
  "meeting.agenda_empty": "Chương trình họp chưa có nội dung.",
  "meeting.current": "Đang thảo luận",
  "meeting.no_current": "Chưa chọn nội dung thảo luận",
  "meeting.next": "Tiếp theo",
  "meeting.presenter": "Trình bày",
  "meeting.minutes": "{n} phút",
  "meeting.not_started": "Cuộc họp chưa bắt đầu",
  "meeting.closed": "Cuộc họp đã kết thúc",
  "meeting.attendance": "Điểm danh",
  "meeting.my_role": "Vai trò của tôi",
  "checkin.button": "Điểm danh",
  "checkin.done": "Đã điểm danh",
  "checkin.at": "lúc {time}",
  "checkin.not_participant": "Bạn không có trong thành phần cuộc họp",
  "presence.count": "{present}/{total} có mặt",
  "presence.label": "Đại biểu có mặt",
  "conn.online": "Trực tuyến",
  "conn.connecting": "Đang kết nối…",
  "conn.reconnecting": "Mất kết nối với máy chủ — Đang kết nối lại…",
  "conn.removed": "Bạn không còn trong thành phần cuộc họp này.",
  "conn.gone": "Cuộc họp không tồn tại hoặc đã bị xoá.",
  "conn.expired": "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
  "errors.network": "Không kết nối được máy chủ. Vui lòng thử lại.",
  "errors.generic": "Đã có lỗi xảy ra ({status}).",
  "errors.resynced": "Dữ liệu đã được tải lại từ máy chủ.",
  "console.create": "Tạo cuộc họp mới",
  "console.create_submit": "Tạo cuộc họp",
  "console.open": "Quản lý",
  "console.read_only": "Bạn chỉ được xem cuộc họp này; chỉ chủ trì, thư ký hoặc quản trị viên mới được điều hành.",
  "console.details": "Thông tin cuộc họp",
  "console.controls": "Điều hành",
  "console.start": "Bắt đầu cuộc họp",
  "console.prev": "‹ Mục trước",
  "console.next": "Mục tiếp theo ›",
  "console.close": "Kết thúc cuộc họp",
  "console.delete_meeting": "Xoá cuộc họp",
  "console.projector": "Mở màn hình trình chiếu",
  "console.set_current": "Chuyển đến",
  "console.is_current": "Đang thảo luận",
  "field.title": "Tiêu đề",
  "field.description": "Mô tả",
  "field.location": "Địa điểm",
  "field.starts_at": "Thời gian bắt đầu",
  "field.presenter": "Người/đơn vị trình bày",
  "field.duration": "Thời lượng (phút)",
  "field.username": "Tên đăng nhập",
  "field.role": "Vai trò",
  "agenda.add": "Thêm mục",
  "agenda.add_sub": "Mục con",
  "agenda.add_sub_title": "Thêm mục con vào “{title}”",
  "agenda.new_title": "Nội dung mới của chương trình",
  "agenda.up": "Chuyển lên",
  "agenda.down": "Chuyển xuống",
  "agenda.mark_done": "Đánh dấu đã xong",
  "agenda.mark_skipped": "Bỏ qua mục này",
  "agenda.mark_pending": "Đặt lại trạng thái chờ",
  "participants.title": "Thành phần tham dự",
  "participants.add": "Thêm",
  "participants.remove": "Xoá khỏi cuộc họp",
  "participants.empty": "Chưa có thành phần tham dự.",
  "confirm.title": "Xác nhận",
  "confirm.delete_item": "Xoá mục “{title}” cùng các mục con của nó?",
  "confirm.close": "Kết thúc cuộc họp? Sau khi kết thúc, cuộc họp không thể mở lại.",
  "confirm.start": "Bắt đầu cuộc họp ngay bây giờ?",
  "confirm.remove_participant": "Xoá {name} khỏi thành phần cuộc họp?",
  "confirm.delete_meeting": "Xoá hẳn cuộc họp “{title}”?",
  "projector.now": "Đang thảo luận",
  "projector.up_next": "Tiếp theo",
  "projector.waiting": "Xin mời các đại biểu ổn định chỗ ngồi",
};

const en = {
  "app.name": "i-Cabinet",
  "app.tagline": "Smart paperless meeting room",
  "app.console": "Secretary console",
  "app.projector": "Room screen",
  "app.tablet": "Delegate tablet",
  "lang.switch": "Tiếng Việt",
  "lang.switch_label": "Chuyển sang tiếng Việt",
  "common.logout": "Sign out",
  "common.loading": "Loading…",
  "common.save": "Save",
  "common.cancel": "Cancel",
  "common.confirm": "Confirm",
  "common.close": "Close",
  "common.edit": "Edit",
  "common.delete": "Delete",
  "common.saved": "Saved",
  "common.back": "‹ All meetings",
  "login.title": "Sign in",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.busy": "Signing in…",
  "login.projector_hint": "Sign in to show the meeting on the big screen.",
  "meetings.mine": "My meetings",
  "meetings.all": "Meetings",
  "meetings.empty": "No meetings yet.",
  "meetings.no_time": "Time not set",
  "meetings.no_place": "Place not set",
  "meetings.refresh": "Refresh",
  "status.draft": "Not started",
  "status.live": "In session",
  "status.closed": "Closed",
  "item.pending": "Pending",
  "item.current": "Under discussion",
  "item.done": "Done",
  "item.skipped": "Skipped",
  "role.chair": "Chair",
  "role.secretary": "Secretary",
  "role.delegate": "Delegate",
  "role.guest": "Guest",
  "attendance.unknown": "Not checked in",
  "attendance.present": "Present",
  "attendance.absent": "Absent",
  "attendance.excused": "Excused",
  "meeting.place": "Place",
  "meeting.time": "Time",
  "meeting.agenda": "Agenda",
  "meeting.agenda_empty": "The agenda is empty.",
  "meeting.current": "Under discussion",
  "meeting.no_current": "No item selected yet",
  "meeting.next": "Next",
  "meeting.presenter": "Presenter",
  "meeting.minutes": "{n} min",
  "meeting.not_started": "The meeting has not started",
  "meeting.closed": "The meeting has closed",
  "meeting.attendance": "Attendance",
  "meeting.my_role": "My role",
  "checkin.button": "Check in",
  "checkin.done": "Checked in",
  "checkin.at": "at {time}",
  "checkin.not_participant": "You are not a participant of this meeting",
  "presence.count": "{present}/{total} present",
  "presence.label": "Participants present",
  "conn.online": "Online",
  "conn.connecting": "Connecting…",
  "conn.reconnecting": "Connection to the server lost — reconnecting…",
  "conn.removed": "You are no longer a participant of this meeting.",
  "conn.gone": "This meeting does not exist or was deleted.",
  "conn.expired": "Your session has expired. Please sign in again.",
  "errors.network": "Cannot reach the server. Please try again.",
  "errors.generic": "Something went wrong ({status}).",
  "errors.resynced": "The data was reloaded from the server.",
  "console.create": "New meeting",
  "console.create_submit": "Create meeting",
  "console.open": "Manage",
  "console.read_only": "You can view this meeting; only its chair, secretary or an administrator can run it.",
  "console.details": "Meeting details",
  "console.controls": "Run the meeting",
  "console.start": "Start meeting",
  "console.prev": "‹ Previous item",
  "console.next": "Next item ›",
  "console.close": "Close meeting",
  "console.delete_meeting": "Delete meeting",
  "console.projector": "Open room screen",
  "console.set_current": "Go to",
  "console.is_current": "Under discussion",
  "field.title": "Title",
  "field.description": "Description",
  "field.location": "Place",
  "field.starts_at": "Starts at",
  "field.presenter": "Presenter",
  "field.duration": "Duration (min)",
  "field.username": "Username",
  "field.role": "Role",
  "agenda.add": "Add item",
  "agenda.add_sub": "Sub-item",
  "agenda.add_sub_title": "Add a sub-item to “{title}”",
  "agenda.new_title": "New agenda item",
  "agenda.up": "Move up",
  "agenda.down": "Move down",
  "agenda.mark_done": "Mark as done",
  "agenda.mark_skipped": "Skip this item",
  "agenda.mark_pending": "Reset to pending",
  "participants.title": "Participants",
  "participants.add": "Add",
  "participants.remove": "Remove from meeting",
  "participants.empty": "No participants yet.",
  "confirm.title": "Please confirm",
  "confirm.delete_item": "Delete “{title}” and its sub-items?",
  "confirm.close": "Close the meeting? A closed meeting cannot be reopened.",
  "confirm.start": "Start the meeting now?",
  "confirm.remove_participant": "Remove {name} from the meeting?",
  "confirm.delete_meeting": "Delete the meeting “{title}” for good?",
  "projector.now": "Now under discussion",
  "projector.up_next": "Up next",
  "projector.waiting": "Delegates, please take your seats",
};

export const DICTIONARIES = { vi, en };

export function getLang() {
  const stored = localStorage.getItem(LANG_KEY);
  return stored === "en" ? "en" : "vi";
}

export function setLang(lang) {
  localStorage.setItem(LANG_KEY, lang === "en" ? "en" : "vi");
  document.documentElement.lang = getLang();
}

export function toggleLang() {
  setLang(getLang() === "vi" ? "en" : "vi");
}

/** The text for `key` in the current language, with `{name}` placeholders filled. */
export function t(key, params = {}) {
  const text = DICTIONARIES[getLang()][key] ?? DICTIONARIES.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Fill every `data-i18n` (text) and `data-i18n-placeholder` element under `root`. */
export function translateStatic(root = document) {
  document.documentElement.lang = getLang();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

function locale() {
  return getLang() === "vi" ? "vi-VN" : "en-GB";
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(locale(), {
    weekday: "long", day: "numeric", month: "numeric", year: "numeric", hour: "2-digit", minute: "2-digit",
  }).format(date);
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(date);
}
